package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import java.util.List;
import org.junit.jupiter.api.Test;
import sinkscope.model.ImageLayout;

/** The attention tables hold one row per panel of the layout, row-major over its patches, separators left out. */
class PanelAttentionTest {
    @Test
    void onePerPanelSeparatorsLeftOut() {
        // LLaVA-NeXT-like span: a 2 x 2 base image, then a 2 x 2 mosaic whose rows end with a newline token
        ImageLayout layout = new ImageLayout(10, List.of(new ImageLayout.Panel("base", 0, 2, 2, 2), new ImageLayout.Panel("mosaic", 4, 2, 2, 3)));
        float[] span = {1, 2, 3, 4, 5, 6, 70, 8, 9, 100};
        // sinks at span positions 1 (base patch 1), 6 (a newline: no patch) and 7 (mosaic patch (1, 0) = index 2)
        List<ExtractResult.AttentionRow> rows = PanelAttention.rows(3, span, layout, i -> i == 1 || i == 6 || i == 7);
        assertEquals(2, rows.size());
        ExtractResult.AttentionRow base = rows.get(0);
        assertEquals(List.of(3, 0, 2, 2), List.of(base.layer(), base.panel(), base.gridRows(), base.gridCols()));
        assertArrayEquals(new float[] {1, 2, 3, 4}, base.weights());
        assertArrayEquals(new int[] {1}, base.sinkPatches());
        ExtractResult.AttentionRow mosaic = rows.get(1);
        assertEquals(List.of(3, 1, 2, 2), List.of(mosaic.layer(), mosaic.panel(), mosaic.gridRows(), mosaic.gridCols()));
        assertArrayEquals(new float[] {5, 6, 8, 9}, mosaic.weights());
        assertArrayEquals(new int[] {2}, mosaic.sinkPatches());
        // without a sink test (predictions) the rows carry no sink patches
        assertNull(PanelAttention.rows(3, span, layout, null).get(1).sinkPatches());
    }

    @Test
    void onePanelFillingTheSpan() {
        // LLaVA-1.5, Qwen2-VL: the row itself, panel 0
        List<ExtractResult.AttentionRow> rows = PanelAttention.rows(0, new float[] {1, 2, 3, 4, 5, 6}, ImageLayout.grid(2, 3), i -> false);
        assertEquals(1, rows.size());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, rows.get(0).weights());
        assertEquals(0, rows.get(0).sinkPatches().length);
        assertEquals(List.of(), PanelAttention.rows(0, null, ImageLayout.grid(2, 3), null));
        assertThrows(IllegalArgumentException.class, () -> PanelAttention.rows(0, new float[5], ImageLayout.grid(2, 3), null));
    }
}
