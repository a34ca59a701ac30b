package sinkscope.spark;

import java.io.Serializable;
import java.util.List;

/**
 * One generated answer under one {@link EvalConfig}.
 *
 * @param answer the generated text (greedy decoding), special tokens removed
 * @param latencyMs wall time of image decoding + prefill + generation
 * @param imageAttentionByLayer optional (may be {@code null}): per layer, the last prompt token's attention mass
 *     on image tokens averaged over heads, after the configuration's rewrite; goes to the {@code grounding} table
 * @param objectShareByLayer optional: per layer, the share of that image attention on the patches of the object the
 *     question asks about (the sample's box); the grounding metric
 * @param attention optional: for each requested attention layer and each panel of the image, the last prompt token's
 *     attention over the panel's patches after the configuration's rewrite, mean over heads, row-major
 *     ({@link PanelAttention}; {@code sinkPatches} null)
 */
public record Prediction(String answer, long latencyMs, float[] imageAttentionByLayer, float[] objectShareByLayer,
        List<ExtractResult.AttentionRow> attention) implements Serializable {

    public Prediction(String answer, long latencyMs, float[] imageAttentionByLayer) {
        this(answer, latencyMs, imageAttentionByLayer, null, null);
    }
}
