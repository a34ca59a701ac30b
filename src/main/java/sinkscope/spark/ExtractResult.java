package sinkscope.spark;

import java.io.Serializable;
import java.util.List;

/**
 * Everything one prefill pass with hooks yields for one sample, as plain rows for the extract tables.
 *
 * @param numImageTokens image tokens in the sequence (after the projector)
 * @param seqLen full prompt length in tokens, image tokens included
 * @param modelTimeMs wall time of the model work for this sample (image decoding + forward)
 * @param tokens one row per (layer, position)
 * @param heads two rows per (layer, head): query {@code last} and query {@code text_mean}
 * @param dims one row per (layer, dim) with at least one image token above the floor
 * @param attention one row per (layer in {@link ExtractOptions#attentionLayers()}, panel of the image layout)
 */
public record ExtractResult(
        int numImageTokens,
        int seqLen,
        long modelTimeMs,
        List<TokenRow> tokens,
        List<HeadRow> heads,
        List<DimRow> dims,
        List<AttentionRow> attention) implements Serializable {

    public ExtractResult {
        tokens = List.copyOf(tokens);
        heads = List.copyOf(heads);
        dims = List.copyOf(dims);
        attention = List.copyOf(attention);
    }

    /** Token modality in the sequence. */
    public static final String BOS = "bos";
    public static final String TEXT = "text";
    public static final String IMAGE = "image";

    /** Head query kinds: the last prompt token, and the mean over text queries after the image. */
    public static final String QUERY_LAST = "last";
    public static final String QUERY_TEXT_MEAN = "text_mean";

    /**
     * The sink score of one token at one layer's input hidden state: {@code phi = max_{d in D_sink} |x_d| /
     * RMS(x)}; {@code isSink = phi > tau}.
     *
     * @param modality {@link #BOS}, {@link #TEXT} or {@link #IMAGE}
     */
    public record TokenRow(int layer, int position, String modality, float phi, boolean isSink)
            implements Serializable {}

    /**
     * One head's post-softmax attention for one query kind. {@code imageAttention} is the attention mass on
     * image tokens; {@code visualSinkShare} the fraction of that mass on visual sink tokens; {@code
     * textSinkShare} the attention mass on text (and BOS) sink tokens; {@code imageCentric} is
     * {@code imageAttention >= summ && visualSinkShare <= rho} applied to this row's values.
     *
     * @param query {@link #QUERY_LAST} or {@link #QUERY_TEXT_MEAN}
     */
    public record HeadRow(
            int layer,
            int head,
            String query,
            float imageAttention,
            float visualSinkShare,
            float textSinkShare,
            boolean imageCentric) implements Serializable {}

    /**
     * Partial sums over this sample's image tokens for one hidden dimension at one layer, with
     * {@code r = |x_d| / RMS(x)}: how many image tokens have {@code r > dimFloor}, the largest {@code r}, and the
     * sum of {@code r} over those tokens.
     */
    public record DimRow(int layer, int dim, int countAboveFloor, float maxRatio, double sumRatio)
            implements Serializable {}

    /**
     * The last prompt token's attention over the patches of one panel of the image ({@link PanelAttention}) at one
     * layer, averaged over heads, row-major on the panel's {@code gridRows x gridCols} grid; panel 0 is the image
     * grid (LLaVA-NeXT's base image), panel 1 LLaVA-NeXT's unpadded tile mosaic. {@code sinkPatches} are the panel's
     * patch indices that are visual sinks (null in predictions, which do not compute sinks). {@code picture} is the part of
     * the original picture the panel shows, {@code {x0, y0, x1, y1}} as fractions of its width and height
     * ({@link sinkscope.model.ImageLayout.Region}).
     */
    public record AttentionRow(int layer, int panel, int gridRows, int gridCols, float[] weights, int[] sinkPatches, double[] picture)
            implements Serializable {}
}
