package sinkscope.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What one extract pass records besides sink scores.
 *
 * @param attentionLayers layers for which the last prompt token's attention over the image patches is kept
 *     ({@link ExtractResult.AttentionRow}); empty for none
 * @param dimFloor a (layer, dim) pair gets a {@link ExtractResult.DimRow} when some image token has
 *     {@code |x_d| / RMS(x) > dimFloor}; keeps the dims table small (NaN: the runner uses {@code tau}, so counts are of massive activations)
 * @param summ a head is image-centric when its image attention is at least {@code summ} (paper: 0.2) ...
 * @param rho ... and at most {@code rho} (paper: 0.5) of that image attention is on visual sink tokens
 * @param tokensKeep which rows the {@code tokens} table keeps ({@link TokensKeep})
 */
public record ExtractOptions(List<Integer> attentionLayers, double dimFloor, double summ, double rho, TokensKeep tokensKeep)
        implements Serializable {

    public static final double DEFAULT_DIM_FLOOR = 5.0;

    public ExtractOptions {
        attentionLayers = List.copyOf(attentionLayers);
        tokensKeep = tokensKeep == null ? TokensKeep.ALL : tokensKeep;
    }

    /** Options keeping every {@code tokens} row. */
    public ExtractOptions(List<Integer> attentionLayers, double dimFloor, double summ, double rho) {
        this(attentionLayers, dimFloor, summ, rho, TokensKeep.ALL);
    }

    /** No attention rows, floor 5, the paper's {@code summ = 0.2}, {@code rho = 0.5}. */
    public static ExtractOptions defaults() {
        return new ExtractOptions(List.of(), DEFAULT_DIM_FLOOR, 0.2, 0.5);
    }
}
