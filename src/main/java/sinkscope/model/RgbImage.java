package sinkscope.model;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * An 8-bit RGB image, row-major HWC bytes ({@code hwc[(y * width + x) * 3 + c]}), the layout PIL and numpy use.
 *
 * <p>{@link #of(BufferedImage)} converts any decoded image as PIL's {@code Image.convert("RGB")} does (checked
 * against Pillow 12.3), reading the raster's samples (never {@code BufferedImage.getRGB}, which colour-manages
 * grayscale through a linear gray space): RGB as is; RGBA / LA alpha dropped without compositing; grayscale L
 * replicated to R = G = B; palette P (also 1/2/4-bit PNG) looked up in the palette; 16-bit RGB, RGBA and
 * gray+alpha reduced to their high byte ({@code v >> 8}, Pillow's {@code ;16B} unpackers); 16-bit grayscale
 * without alpha clipped to [0, 255] ({@code min(v, 255)}: Pillow opens it as {@code I;16} and its
 * {@code I;16 -> RGB} conversion clips, it does not scale); CMYK (JPEGs ImageIO decodes to a CMYK colour space)
 * through PIL's {@code cmyk2rgb}. Other colour spaces and premultiplied alpha are refused with a message naming
 * the colour model.
 */
public record RgbImage(int width, int height, byte[] hwc) {

    public RgbImage {
        if (width <= 0 || height <= 0 || hwc.length != (long) width * height * 3) {
            throw new IllegalArgumentException("RGB image " + width + "x" + height + " needs " + (long) width * height * 3
                    + " bytes, got " + hwc.length);
        }
    }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel ({@code x}, {@code y}), 0..255. */
    public int get(int x, int y, int c) {
        return hwc[(y * width + x) * 3 + c] & 0xff;
    }

    /** PIL {@code convert("RGB")} of {@code img}. */
    public static RgbImage of(BufferedImage img) {
        ColorModel cm = img.getColorModel();
        if (cm.isAlphaPremultiplied()) {
            throw new IllegalArgumentException("premultiplied-alpha images are not supported (colour model " + cm + ")");
        }
        Raster raster = img.getRaster();
        int w = img.getWidth();
        int h = img.getHeight();
        int bands = raster.getNumBands();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] row = new int[w * bands];
        if (cm instanceof IndexColorModel palette) {
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int i = row[x * bands];
                    int o = (y * w + x) * 3;
                    out[o] = (byte) palette.getRed(i);
                    out[o + 1] = (byte) palette.getGreen(i);
                    out[o + 2] = (byte) palette.getBlue(i);
                }
            }
            return new RgbImage(w, h, out);
        }
        int type = cm.getColorSpace().getType();
        int colours = cm.getNumColorComponents();
        if (type == ColorSpace.TYPE_CMYK && colours == 4 && cm.getComponentSize(0) == 8) {
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int k = row[x * bands + 3];
                    for (int c = 0; c < 3; c++) {
                        out[(y * w + x) * 3 + c] = (byte) cmykToRgb(row[x * bands + c], k);
                    }
                }
            }
            return new RgbImage(w, h, out);
        }
        boolean gray = type == ColorSpace.TYPE_GRAY && colours == 1;
        if (!gray && !(type == ColorSpace.TYPE_RGB && colours == 3)) {
            throw new IllegalArgumentException("colour space " + colourSpaceName(type) + " with " + colours
                    + " components cannot be converted to RGB (only RGB, RGBA, L, LA, palette, 16-bit gray/RGB and 8-bit CMYK are supported)");
        }
        int[] bits = new int[3];
        for (int c = 0; c < 3; c++) {
            bits[c] = cm.getComponentSize(gray ? 0 : c);
        }
        boolean clip16 = gray && !cm.hasAlpha() && bits[0] > 8;
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                for (int c = 0; c < 3; c++) {
                    int v = row[x * bands + (gray ? 0 : c)];
                    out[o + c] = (byte) (clip16 ? Math.min(v, 255) : to8(v, bits[c]));
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * One channel of PIL's {@code cmyk2rgb}: {@code nk = 255 - K; R = clip8(nk - muldiv255(C, nk))} with
     * {@code muldiv255(a, b) = ((t >> 8) + t) >> 8}, {@code t = a * b + 128}. ImageIO's CMYK samples equal the
     * bytes of PIL's CMYK image for the same JPEG (checked with and without an Adobe marker).
     */
    private static int cmykToRgb(int c, int k) {
        int nk = 255 - k;
        int t = c * nk + 128;
        return Math.min(Math.max(nk - (((t >> 8) + t) >> 8), 0), 255);
    }

    /** A sample of {@code bits} bits as 8 bits: high byte when wider, full-range scaling when narrower (565, 4-bit). */
    private static int to8(int v, int bits) {
        if (bits == 8) {
            return v;
        }
        if (bits > 8) {
            return v >>> (bits - 8);
        }
        return v * 255 / ((1 << bits) - 1);
    }

    private static String colourSpaceName(int type) {
        return switch (type) {
            case ColorSpace.TYPE_CMYK -> "CMYK";
            case ColorSpace.TYPE_CMY -> "CMY";
            case ColorSpace.TYPE_YCbCr -> "YCbCr";
            case ColorSpace.TYPE_GRAY -> "GRAY";
            case ColorSpace.TYPE_RGB -> "RGB";
            default -> "type " + type;
        };
    }

    /** Pixels packed as {@code 0xRRGGBB}, row-major. */
    public int[] packed() {
        int[] p = new int[width * height];
        for (int i = 0; i < p.length; i++) {
            p[i] = (hwc[i * 3] & 0xff) << 16 | (hwc[i * 3 + 1] & 0xff) << 8 | (hwc[i * 3 + 2] & 0xff);
        }
        return p;
    }

    /** This image as a {@link BufferedImage#TYPE_INT_RGB}. */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] data = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
        System.arraycopy(packed(), 0, data, 0, data.length);
        return img;
    }
}
