package sinkscope.model;

/**
 * Pillow's {@code Image.resize(size, Image.BICUBIC)} for 8-bit RGB, bit for bit (Pillow's {@code Resample.c}).
 *
 * <p>Separable: a horizontal pass, then a vertical pass, each done only when that dimension changes. For an
 * output coordinate {@code i} of a pass from {@code inSize} to {@code outSize}: {@code scale = inSize / outSize},
 * {@code filterscale = max(scale, 1)}, {@code support = 2 * filterscale} (bicubic support 2, {@code a = -0.5}),
 * {@code center = (i + 0.5) * scale}, {@code xmin = max((int) (center - support + 0.5), 0)}, {@code n =
 * min((int) (center + support + 0.5), inSize) - xmin}, weights {@code w_j = bicubic((j + xmin - center + 0.5) /
 * filterscale)} divided by their sum, then fixed point with {@link #PRECISION_BITS} = 22 bits, rounded half away
 * from zero. Each output sample is {@code clip8((1 << 21 + sum_j in[xmin + j] * w_j) >> 22)}. (Pillow's horizontal
 * pass skips the rows the vertical pass never reads; computing them as well changes no value.)
 */
public final class PillowResize {
    /** {@code 32 - 8 - 2}: 8 bits of result, 2 bits of headroom for negative lobes and sums over 1. */
    public static final int PRECISION_BITS = 32 - 8 - 2;

    private static final double BICUBIC_SUPPORT = 2.0;

    private PillowResize() {}

    /** Pillow's bicubic kernel with {@code a = -0.5}, in its exact evaluation order. */
    static double bicubic(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /**
     * Fixed-point coefficients of one pass: output {@code i} reads {@code count[i]} inputs from {@code first[i]}
     * with weights {@code weight[i * ksize + j]}.
     */
    record Coefficients(int ksize, int[] first, int[] count, int[] weight) {}

    static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = BICUBIC_SUPPORT * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] weight = new int[Math.multiplyExact(outSize, ksize)];
        double[] k = new double[ksize];
        double ss = 1.0 / filterscale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                k[x] = bicubic((x + xmin - center + 0.5) * ss);
                ww += k[x];
            }
            for (int x = 0; x < xmax; x++) {
                double w = ww != 0.0 ? k[x] / ww : k[x];
                weight[xx * ksize + x] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS)) : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            first[xx] = xmin;
            count[xx] = xmax;
        }
        return new Coefficients(ksize, first, count, weight);
    }

    /** {@code img} resized to {@code outWidth} x {@code outHeight}; the same image (a copy) when the size is unchanged. */
    public static RgbImage resize(RgbImage img, int outWidth, int outHeight) {
        if (outWidth <= 0 || outHeight <= 0) {
            throw new IllegalArgumentException("resize target " + outWidth + "x" + outHeight + " must be positive");
        }
        RgbImage out = img;
        if (outWidth != img.width()) {
            out = horizontal(out, outWidth);
        }
        if (outHeight != img.height()) {
            out = vertical(out, outHeight);
        }
        return out == img ? new RgbImage(img.width(), img.height(), img.hwc().clone()) : out;
    }

    private static RgbImage horizontal(RgbImage in, int outWidth) {
        Coefficients co = coefficients(in.width(), outWidth);
        int h = in.height();
        byte[] src = in.hwc();
        byte[] dst = new byte[outWidth * h * 3];
        for (int y = 0; y < h; y++) {
            int rowIn = y * in.width() * 3;
            int rowOut = y * outWidth * 3;
            for (int xx = 0; xx < outWidth; xx++) {
                int base = xx * co.ksize;
                int start = rowIn + co.first[xx] * 3;
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                for (int j = 0; j < co.count[xx]; j++) {
                    int w = co.weight[base + j];
                    int p = start + j * 3;
                    s0 += (src[p] & 0xff) * w;
                    s1 += (src[p + 1] & 0xff) * w;
                    s2 += (src[p + 2] & 0xff) * w;
                }
                dst[rowOut + xx * 3] = clip8(s0);
                dst[rowOut + xx * 3 + 1] = clip8(s1);
                dst[rowOut + xx * 3 + 2] = clip8(s2);
            }
        }
        return new RgbImage(outWidth, h, dst);
    }

    private static RgbImage vertical(RgbImage in, int outHeight) {
        Coefficients co = coefficients(in.height(), outHeight);
        int w = in.width();
        int stride = w * 3;
        byte[] src = in.hwc();
        byte[] dst = new byte[outHeight * stride];
        for (int yy = 0; yy < outHeight; yy++) {
            int base = yy * co.ksize;
            int start = co.first[yy] * stride;
            for (int i = 0; i < stride; i++) {
                int s = 1 << (PRECISION_BITS - 1);
                for (int j = 0; j < co.count[yy]; j++) {
                    s += (src[start + j * stride + i] & 0xff) * co.weight[base + j];
                }
                dst[yy * stride + i] = clip8(s);
            }
        }
        return new RgbImage(w, outHeight, dst);
    }

    /** {@code in >> 22} clipped to 0..255 (Pillow's {@code clip8}). */
    private static byte clip8(int in) {
        return (byte) Math.min(Math.max(in >> PRECISION_BITS, 0), 255);
    }
}
