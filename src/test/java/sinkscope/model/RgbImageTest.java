package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import org.junit.jupiter.api.Test;

/** PIL {@code convert("RGB")} rules for each image mode, on images built in memory with known samples. */
class RgbImageTest {
    private static int[] rgb(RgbImage img, int x, int y) {
        return new int[] {img.get(x, y, 0), img.get(x, y, 1), img.get(x, y, 2)};
    }

    @Test
    void rgbAndRgbaKeepColourAndDropAlphaWithoutCompositing() {
        BufferedImage rgba = new BufferedImage(2, 1, BufferedImage.TYPE_4BYTE_ABGR);
        rgba.getRaster().setPixel(0, 0, new int[] {10, 20, 30, 0});
        rgba.getRaster().setPixel(1, 0, new int[] {200, 100, 50, 128});
        RgbImage out = RgbImage.of(rgba);
        assertArrayEquals(new int[] {10, 20, 30}, rgb(out, 0, 0));
        assertArrayEquals(new int[] {200, 100, 50}, rgb(out, 1, 0));
        BufferedImage bgr = new BufferedImage(1, 1, BufferedImage.TYPE_3BYTE_BGR);
        bgr.getRaster().setPixel(0, 0, new int[] {1, 2, 3});
        assertArrayEquals(new int[] {1, 2, 3}, rgb(RgbImage.of(bgr), 0, 0));
    }

    @Test
    void grayscaleIsReplicatedWithoutColourManagement() {
        BufferedImage gray = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 100);
        assertArrayEquals(new int[] {100, 100, 100}, rgb(RgbImage.of(gray), 0, 0));
    }

    @Test
    void paletteIsLookedUp() {
        IndexColorModel palette = new IndexColorModel(8, 2, new byte[] {5, (byte) 250}, new byte[] {6, 7}, new byte[] {(byte) 200, 8});
        BufferedImage p = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, palette);
        p.getRaster().setSample(0, 0, 0, 1);
        p.getRaster().setSample(1, 0, 0, 0);
        RgbImage out = RgbImage.of(p);
        assertArrayEquals(new int[] {250, 7, 8}, rgb(out, 0, 0));
        assertArrayEquals(new int[] {5, 6, 200}, rgb(out, 1, 0));
    }

    @Test
    void sixteenBitRgbTakesTheHighByteAndSixteenBitGrayClipsLikePillow() {
        ColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {16, 16, 16}, false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(1, 1);
        r.setPixel(0, 0, new int[] {0xABCD, 0x00FF, 0xFFFF});
        assertArrayEquals(new int[] {0xAB, 0x00, 0xFF}, rgb(RgbImage.of(new BufferedImage(cm, r, false, null)), 0, 0));
        BufferedImage g16 = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        g16.getRaster().setPixels(0, 0, 3, 1, new int[] {200, 256, 60000});
        RgbImage out = RgbImage.of(g16);
        assertArrayEquals(new int[] {200, 200, 200}, rgb(out, 0, 0));
        assertArrayEquals(new int[] {255, 255, 255}, rgb(out, 1, 0));
        assertArrayEquals(new int[] {255, 255, 255}, rgb(out, 2, 0));
    }

    @Test
    void cmykFollowsPilCmyk2rgb() {
        ColorModel cm = new ComponentColorModel(new CmykSpace(), new int[] {8, 8, 8, 8}, false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        WritableRaster r = cm.createCompatibleWritableRaster(1, 1);
        int c = 255;
        int m = 215;
        int y = 0;
        int k = 134;
        r.setPixel(0, 0, new int[] {c, m, y, k});
        int nk = 255 - k;
        int[] expected = new int[3];
        int[] cmy = {c, m, y};
        for (int i = 0; i < 3; i++) {
            int t = cmy[i] * nk + 128;
            expected[i] = nk - (((t >> 8) + t) >> 8);
        }
        assertArrayEquals(expected, rgb(RgbImage.of(new BufferedImage(cm, r, false, null)), 0, 0));
        assertEquals(0, expected[0], "full cyan leaves no red");
        assertEquals(nk, expected[2], "no yellow leaves blue at 255 - K");
    }

    @Test
    void packedAndBufferedImageRoundTrip() {
        RgbImage img = new RgbImage(2, 1, new byte[] {1, 2, 3, (byte) 250, (byte) 251, (byte) 252});
        assertArrayEquals(new int[] {0x010203, 0xFAFBFC}, img.packed());
        BufferedImage b = img.toBufferedImage();
        assertEquals(BufferedImage.TYPE_INT_RGB, b.getType());
        assertArrayEquals(img.hwc(), RgbImage.of(b).hwc());
    }

    /** A minimal 4-component CMYK colour space (what ImageIO attaches to CMYK JPEGs). */
    private static final class CmykSpace extends ColorSpace {
        private static final long serialVersionUID = 1L;

        CmykSpace() {
            super(TYPE_CMYK, 4);
        }

        @Override
        public float[] toRGB(float[] v) {
            return new float[3];
        }

        @Override
        public float[] fromRGB(float[] v) {
            return new float[4];
        }

        @Override
        public float[] toCIEXYZ(float[] v) {
            return new float[3];
        }

        @Override
        public float[] fromCIEXYZ(float[] v) {
            return new float[4];
        }
    }
}
