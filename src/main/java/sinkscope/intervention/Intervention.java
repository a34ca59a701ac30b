package sinkscope.intervention;

import java.util.List;
import sinkscope.model.AttentionHook;

/**
 * A training-free intervention compared with the baseline on the same samples (VAR, the sink ablations, PAI, VCD,
 * VAF, ...). An intervention acts only through the model's seams: the attention scores before softmax
 * ({@link AttentionHook#onScores}) and the attention after softmax ({@link AttentionHook#onAttention}), for one sample,
 * at prefill and at every decode step ({@link #hook}); and the next-token choice ({@link #nextToken}): a decoding mode
 * and an optional second prepared input whose logits join the main ones. It is one class and one line in
 * {@link Interventions#ALL}; its parameters' defaults are in {@code conf/interventions/<name>.json}, nowhere else.
 *
 * <p>Jobs, the report and the run record know interventions only through this type: none names a method.
 */
public interface Intervention {

    /** The config name ({@code pai}), lower case letters, digits and underscores. */
    String name();

    /** One line: what it changes, and the official repository and file it follows. */
    String summary();

    /** Its parameters, in the order a config name lists them. */
    List<Parameter> parameters();

    /**
     * Model-dependent checks before any sample runs (a layer range outside a model of {@code numLayers} layers);
     * errors name the config ({@link Settings#config()}) and the parameter.
     */
    default void check(Settings settings, int numLayers) {}

    /** The hook that applies it to one sample, or null when it changes nothing (the baseline). */
    AttentionHook hook(Settings settings, Context context);

    /**
     * The sample's next-token choice: its decoding mode and, optionally, a second input ({@link NextToken}); null (the
     * default) for greedy decoding of the one input. Draws come from {@link Context#seed}; a contrast's arrays go
     * under {@link Context#manager}.
     */
    default NextToken nextToken(Settings settings, Context context) {
        return null;
    }

    /**
     * Forward passes per generated token beyond the baseline's one, as this config runs (0 for an attention-level
     * method; 1 for a second input decoded beside the main one).
     */
    default int extraPassesPerToken(Settings settings) {
        return 0;
    }
}
