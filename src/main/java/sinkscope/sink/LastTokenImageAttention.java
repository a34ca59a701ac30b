package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import sinkscope.model.AttentionHook;
import sinkscope.model.ForwardStep;

/**
 * Where the last prompt token looks, per layer, in the prefill pass (after any earlier hook's rewrite, so chain it
 * last): {@code image[l]} = its attention on the image tokens, mean over heads; and, given the patches an object
 * covers, {@code object[l]} = the share of that image attention falling on the object's patches (the grounding
 * metric).
 */
public final class LastTokenImageAttention implements AttentionHook {
    private final boolean[] objectPatches;
    private final float[] image;
    private final float[] object;
    private final float[][] rows;

    /** {@code objectPatches} (row-major over the patch grid) may be null when there is no box. */
    public LastTokenImageAttention(int numLayers, boolean[] objectPatches) {
        this(numLayers, objectPatches, java.util.List.of());
    }

    /** Also keeps the whole row over the image patches for each layer of {@code keepRows}. */
    public LastTokenImageAttention(int numLayers, boolean[] objectPatches, java.util.List<Integer> keepRows) {
        this.objectPatches = objectPatches == null ? null : objectPatches.clone();
        this.image = new float[numLayers];
        this.object = objectPatches == null ? null : new float[numLayers];
        this.rows = new float[numLayers][];
        for (int layer : keepRows) {
            if (layer < 0 || layer >= numLayers) {
                throw new IllegalArgumentException("attention layer " + layer + " outside 0.." + (numLayers - 1));
            }
            rows[layer] = new float[0];
        }
    }

    /** The kept row of {@code layer} (mean over heads, over the image patches), null when not asked for. */
    public float[] row(int layer) {
        return rows[layer] == null || rows[layer].length == 0 ? null : rows[layer];
    }

    public float[] image() {
        return image;
    }

    /** Null without an object box. */
    public float[] object() {
        return object;
    }

    /** Only the prefill of a prompt with an image. */
    @Override
    public boolean actsOn(ForwardStep step) {
        return step.isPrefill() && step.hasImage();
    }

    /** The last prompt row: the only one it reads. */
    @Override
    public int prefillRowsFrom(ForwardStep step) {
        return step.queryStart() + step.queryLength() - 1;
    }

    @Override
    public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
        if (!actsOn(step)) {
            return attn;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            float[] row = attn.get(new NDIndex("0, :, -1, {}:{}", step.imageStart(), step.imageEnd())).toType(DataType.FLOAT32, false)
                    .mean(new int[] {0}).toFloatArray();
            double total = 0;
            double on = 0;
            for (int i = 0; i < row.length; i++) {
                total += row[i];
                if (objectPatches != null && i < objectPatches.length && objectPatches[i]) {
                    on += row[i];
                }
            }
            image[layer] = (float) total;
            if (rows[layer] != null) {
                rows[layer] = row;
            }
            if (object != null) {
                object[layer] = total > 0 ? (float) (on / total) : 0f;
            }
        }
        return attn;
    }
}
