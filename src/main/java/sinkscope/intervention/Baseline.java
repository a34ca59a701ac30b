package sinkscope.intervention;

import java.util.List;
import sinkscope.model.AttentionHook;

/** The model as it is: no hook. Every other config is compared with it. */
final class Baseline implements Intervention {

    @Override
    public String name() {
        return Interventions.BASELINE;
    }

    @Override
    public String summary() {
        return "the unmodified model (greedy decoding)";
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }

    @Override
    public AttentionHook hook(Settings settings, Context context) {
        return null;
    }
}
