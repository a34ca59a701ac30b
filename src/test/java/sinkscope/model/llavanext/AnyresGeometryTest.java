package sinkscope.model.llavanext;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;
import sinkscope.model.ImageLayout;
import sinkscope.model.Inputs;
import sinkscope.model.auto.Families;

/** The anyres arithmetic on the released llava-v1.6 pinpoints (336 px tiles), values worked out with transformers' formulas. */
class AnyresGeometryTest {
    private static final int[][] PINPOINTS = LlavaNextConfig.DEFAULT_PINPOINTS;

    @Test
    void bestResolutionPrefersEffectivePixelsThenLeastWaste() {
        // 800x600 (w x h): 672x672 keeps 672*504 pixels, more than any other canvas
        assertArrayEquals(new int[] {672, 672}, AnyresGeometry.selectBestResolution(600, 800, PINPOINTS));
        // very wide: 336x1008 (h x w)
        assertArrayEquals(new int[] {336, 1008}, AnyresGeometry.selectBestResolution(300, 1200, PINPOINTS));
        // smaller than every canvas: all keep the whole image, least waste is 336x672, the first of the tie with 672x336
        assertArrayEquals(new int[] {336, 672}, AnyresGeometry.selectBestResolution(100, 100, PINPOINTS));
    }

    @Test
    void llava16At2880TokensAndUnpadding() {
        // a square image: 2x2 tiles, mosaic 48x48, nothing to unpad: 576 + 48 * 49 = 2928 tokens
        AnyresGeometry sq = AnyresGeometry.of(1000, 1000, PINPOINTS, 336, 14);
        assertEquals(4, sq.numTiles());
        assertEquals(48, sq.rows());
        assertEquals(48, sq.cols());
        assertEquals(576 + 48 * 49, sq.numImageTokens());
        // 800x600: resized to 672x504, padded 84 rows on top and bottom; unpadding keeps 36 of 48 mosaic rows
        AnyresGeometry g = AnyresGeometry.of(600, 800, PINPOINTS, 336, 14);
        assertEquals(504, g.resizedHeight());
        assertEquals(84, g.padTop());
        assertEquals(6, g.firstRow());
        assertEquals(36, g.rows());
        assertEquals(48, g.cols());
        assertEquals(576 + 36 * 49, g.numImageTokens());
    }

    @Test
    void pythonRoundToSevenDecimalsBeforeTruncating() {
        assertEquals(5, AnyresGeometry.roundTo7ThenInt(4.99999999997));
        assertEquals(4, AnyresGeometry.roundTo7ThenInt(4.9999));
        assertEquals(4, AnyresGeometry.roundTo7ThenInt(4.5));
    }

    @Test
    void layoutMarksBasePatchesMosaicPatchesAndNewlines() {
        AnyresGeometry g = AnyresGeometry.of(600, 800, PINPOINTS, 336, 14);
        ImageLayout layout = g.layout();
        int[] kinds = layout.kinds();
        assertEquals(g.numImageTokens(), kinds.length);
        for (int i = 0; i < 576; i++) {
            assertEquals(0, kinds[i]);
        }
        int newlines = 0;
        for (int r = 0; r < g.rows(); r++) {
            for (int c = 0; c <= g.cols(); c++) {
                int k = kinds[576 + r * (g.cols() + 1) + c];
                assertEquals(c < g.cols() ? 1 : ImageLayout.SEPARATOR, k);
                newlines += c == g.cols() ? 1 : 0;
            }
        }
        assertEquals(g.rows(), newlines);
        assertEquals(newlines, layout.separators());
    }

    @Test
    void objectPatchesCoverBaseAndMosaicButNeverNewlines() {
        try (LlavaNext model = (LlavaNext) Families.load(Golden.llavaNextCheckpoint("llama"), Device.cpu(), DataType.FLOAT32)) {
            // image0 120x90: base 4x4, mosaic 6x8 (rows 1..6 of the 8x8 canvas mosaic)
            Inputs in = model.inputs(new long[] {1, 32000}, null, 0, 0);
            in = new Inputs(in.inputIds(), null, null, 4, 4, 120, 90, in.options(), model.geometry(120, 90).layout());
            boolean[] whole = model.objectPatches(in, new double[] {0, 0, 120, 90});
            int[] kinds = in.layout().kinds();
            int on = 0;
            for (int i = 0; i < whole.length; i++) {
                if (kinds[i] == ImageLayout.SEPARATOR) {
                    assertFalse(whole[i], "newline token " + i);
                } else {
                    assertTrue(whole[i], "patch " + i);
                    on++;
                }
            }
            assertEquals(16 + 6 * 8, on);
            // the left half: base columns 0-1, mosaic columns 0-3
            boolean[] left = model.objectPatches(in, new double[] {0, 0, 60, 90});
            assertTrue(left[0] && left[1] && !left[2] && !left[3]);
            assertTrue(left[16] && left[16 + 3] && !left[16 + 4]);
        }
    }
}
