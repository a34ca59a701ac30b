package sinkscope.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import sinkscope.model.ImageLayout;

/**
 * Cuts one attention row over the image span into the rows of the {@code attention} tables: one per panel of the
 * image's {@link ImageLayout}. Panel {@code k}'s weights are {@code w[r * cols + c] = span[p.position(r, c)]} for its
 * {@code rows x cols} patches, row-major, so positions that are no patch (LLaVA-NeXT's {@code image_newline}) are
 * left out. LLaVA-1.5 and Qwen2-VL have panel 0 only (the whole span); LLaVA-NeXT panel 0 the base image and panel 1
 * the unpadded tile mosaic, in the order HF packs it; InternVL one panel per tile, then the thumbnail. Each row carries
 * the part of the picture its panel shows ({@link ImageLayout.Region}).
 */
final class PanelAttention {
    private PanelAttention() {}

    /**
     * The rows of {@code span} (one value per image-span position, or null: none) at {@code layer}, one per panel.
     *
     * @param sink whether span position {@code i} is a visual sink; null when sinks are not computed (evaluation),
     *     giving rows whose {@code sinkPatches} are null
     */
    static List<ExtractResult.AttentionRow> rows(int layer, float[] span, ImageLayout layout, IntPredicate sink) {
        if (span == null) {
            return List.of();
        }
        if (span.length != layout.length()) {
            throw new IllegalArgumentException("attention row over " + span.length + " image positions, layout of " + layout.length());
        }
        List<ExtractResult.AttentionRow> out = new ArrayList<>();
        for (int k = 0; k < layout.panels().size(); k++) {
            ImageLayout.Panel p = layout.panels().get(k);
            int[] sinks = null;
            if (sink != null) {
                List<Integer> s = new ArrayList<>();
                for (int r = 0; r < p.rows(); r++) {
                    for (int c = 0; c < p.cols(); c++) {
                        if (sink.test(p.position(r, c))) {
                            s.add(r * p.cols() + c);
                        }
                    }
                }
                sinks = s.stream().mapToInt(Integer::intValue).toArray();
            }
            out.add(new ExtractResult.AttentionRow(layer, k, p.rows(), p.cols(), layout.panelValues(k, span), sinks, p.picture().toArray()));
        }
        return out;
    }
}
