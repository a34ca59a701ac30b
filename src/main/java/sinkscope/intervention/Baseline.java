package sinkscope.intervention;

import java.util.List;
import sinkscope.model.AttentionHook;

/** The model as it is: no hook. Every other config is compared with it. */
final class Baseline extends Named {
    Baseline() {
        super(Interventions.BASELINE, "the unmodified model (greedy decoding)", List.of());
    }

    @Override
    public AttentionHook hook(Settings settings, Context context) {
        return null;
    }
}
