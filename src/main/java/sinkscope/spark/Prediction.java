package sinkscope.spark;

import java.io.Serializable;

/**
 * One generated answer under one {@link EvalConfig}.
 *
 * @param answer the generated text (greedy decoding), special tokens removed
 * @param latencyMs wall time of image decoding + prefill + generation
 * @param imageAttentionByLayer optional (may be {@code null}): per layer, the last prompt token's attention mass
 *     on image tokens averaged over heads, after the configuration's rewrite; goes to the {@code grounding} table
 * @param objectShareByLayer optional: per layer, the share of that image attention on the patches of the object the
 *     question asks about (the sample's box); the grounding metric
 * @param attentionRows optional: for each requested attention layer (in request order), the last prompt token's
 *     attention over the image patches, mean over heads, row-major over the patch grid
 * @param gridRows rows of the image token grid the attention rows lie on
 * @param gridCols its columns
 */
public record Prediction(String answer, long latencyMs, float[] imageAttentionByLayer, float[] objectShareByLayer, float[][] attentionRows,
        int gridRows, int gridCols) implements Serializable {

    public Prediction(String answer, long latencyMs, float[] imageAttentionByLayer) {
        this(answer, latencyMs, imageAttentionByLayer, null, null, 0, 0);
    }
}
