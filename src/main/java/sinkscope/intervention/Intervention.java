package sinkscope.intervention;

import java.util.List;
import sinkscope.model.AttentionHook;

/**
 * A training-free intervention compared with the baseline on the same samples (VAR, the sink ablations, PAI's
 * attention amplification, VAF, ...). An intervention acts only through the model's seams: the attention scores
 * before softmax ({@link AttentionHook#onScores}) and the attention after softmax ({@link AttentionHook#onAttention}),
 * for one sample, at prefill and at every decode step. It is one class and one line in {@link Interventions#ALL}; its
 * parameters' defaults are in {@code conf/interventions/<name>.json}, nowhere else.
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

    /** Forward passes per generated token beyond the baseline's one (0 for an attention-level method). */
    default int extraPassesPerToken() {
        return 0;
    }
}
