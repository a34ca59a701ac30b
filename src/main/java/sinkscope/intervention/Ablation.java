package sinkscope.intervention;

import java.util.List;
import sinkscope.model.AttentionHook;
import sinkscope.sink.SinkAblationHook;
import sinkscope.sink.VarParams;

/**
 * The paper's sink-token ablations ({@link SinkAblationHook}): text queries stop attending to the visual sink tokens
 * ({@code ablate_sinks}) or to as many random non-sink image tokens ({@code ablate_random}, seeded by the sample's
 * question id), from VAR's first sink layer on, with VAR's default sink rule and the run's threshold.
 */
final class Ablation extends Named {
    static final Ablation SINKS = new Ablation("ablate_sinks", SinkAblationHook.Target.VISUAL_SINKS,
            "text queries stop attending to the visual sink tokens (the paper's ablation)");
    static final Ablation RANDOM = new Ablation("ablate_random", SinkAblationHook.Target.RANDOM_IMAGE_TOKENS,
            "text queries stop attending to as many random non-sink image tokens (the ablation's control)");

    private final SinkAblationHook.Target target;

    private Ablation(String name, SinkAblationHook.Target target, String summary) {
        super(name, summary, List.of());
        this.target = target;
    }

    @Override
    public AttentionHook hook(Settings s, Context c) {
        VarParams base = VarParams.official(c.sinkDims()).withTau(c.tau());
        long seed = target == SinkAblationHook.Target.VISUAL_SINKS || c.sampleId() == null ? 0 : c.sampleId().hashCode();
        return new SinkAblationHook(c.manager(), base, target, seed);
    }
}
