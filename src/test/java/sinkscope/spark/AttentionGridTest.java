package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import java.util.List;
import org.junit.jupiter.api.Test;
import sinkscope.model.ImageLayout;

/** The attention tables hold the layout's first panel, row-major, whatever else the image span holds. */
class AttentionGridTest {
    @Test
    void firstPanelOfATwoPanelSpan() {
        // LLaVA-NeXT-like span: a 2 x 2 base image, then a 1 x 2 mosaic whose row ends with a newline token
        ImageLayout layout = new ImageLayout(7, List.of(new ImageLayout.Panel("base", 0, 2, 2, 2), new ImageLayout.Panel("mosaic", 4, 1, 2, 3)));
        float[] span = {1, 2, 3, 4, 5, 6, 7};
        assertArrayEquals(new float[] {1, 2, 3, 4}, ModelSampleRunner.onGrid(span, layout.panels().get(0)));
        assertArrayEquals(new float[] {5, 6}, ModelSampleRunner.onGrid(span, layout.panels().get(1)));
        // one panel filling the span (LLaVA-1.5, Qwen2-VL): the row itself
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, ModelSampleRunner.onGrid(new float[] {1, 2, 3, 4, 5, 6}, ImageLayout.grid(2, 3).panels().get(0)));
    }
}
