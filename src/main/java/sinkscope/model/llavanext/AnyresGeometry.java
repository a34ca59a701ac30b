package sinkscope.model.llavanext;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import sinkscope.model.ImageLayout;

/**
 * LLaVA-NeXT's anyres geometry of one image, as transformers computes it: the best canvas among the pinpoints
 * ({@code select_best_resolution}), the aspect-preserving resize into it ({@code get_patch_output_size}: the
 * fitting side exact, the other {@code min(ceil(side * scale), target)}), the centred black padding
 * ({@code divmod(target - new, 2)}), the tile grid, and the unpadding of the tile mosaic back to the original aspect
 * ratio ({@code unpad_image}: {@code int(round(side * scale, 7))}, {@code (current - new) // 2} removed on both ends).
 *
 * @param height original image height
 * @param width original image width
 * @param bestHeight chosen canvas height (a pinpoint)
 * @param bestWidth chosen canvas width
 * @param resizedHeight the image's height inside the canvas
 * @param resizedWidth its width
 * @param padTop black rows above it
 * @param padLeft black columns left of it
 * @param tileRows tiles per column of the canvas ({@code bestHeight / size})
 * @param tileCols tiles per row
 * @param grid patches per side of one tile ({@code size / patch})
 * @param firstRow first mosaic row kept by the unpadding (in patches)
 * @param rows mosaic rows kept
 * @param firstCol first mosaic column kept
 * @param cols mosaic columns kept
 */
public record AnyresGeometry(int height, int width, int bestHeight, int bestWidth, int resizedHeight, int resizedWidth, int padTop, int padLeft,
        int tileRows, int tileCols, int grid, int firstRow, int rows, int firstCol, int cols) {

    /** The geometry of a {@code width x height} image for tiles of {@code size} px and CLIP patches of {@code patch} px. */
    public static AnyresGeometry of(int height, int width, int[][] pinpoints, int size, int patch) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size " + width + "x" + height + " must be positive");
        }
        int[] best = selectBestResolution(height, width, pinpoints);
        int bh = best[0];
        int bw = best[1];
        double scaleW = (double) bw / width;
        double scaleH = (double) bh / height;
        int newH;
        int newW;
        if (scaleW < scaleH) {
            newW = bw;
            newH = (int) Math.min(Math.ceil(height * scaleW), bh);
        } else {
            newH = bh;
            newW = (int) Math.min(Math.ceil(width * scaleH), bw);
        }
        int grid = size / patch;
        int tileRows = bh / size;
        int tileCols = bw / size;
        int gh = tileRows * grid;
        int gw = tileCols * grid;
        int firstRow = 0;
        int rows = gh;
        int firstCol = 0;
        int cols = gw;
        if ((double) width / height > (double) gw / gh) {
            int nh = roundTo7ThenInt(height * ((double) gw / width));
            int p = (gh - nh) / 2;
            firstRow = p;
            rows = gh - 2 * p;
        } else {
            int nw = roundTo7ThenInt(width * ((double) gh / height));
            int p = (gw - nw) / 2;
            firstCol = p;
            cols = gw - 2 * p;
        }
        return new AnyresGeometry(height, width, bh, bw, newH, newW, (bh - newH) / 2, (bw - newW) / 2, tileRows, tileCols, grid, firstRow, rows,
                firstCol, cols);
    }

    /** Python's {@code int(round(x, 7))} for {@code x >= 0}: the exact binary value rounded half-even to 7 decimals, truncated. */
    static int roundTo7ThenInt(double x) {
        return new BigDecimal(x).setScale(7, RoundingMode.HALF_EVEN).intValue();
    }

    /** transformers' {@code select_best_resolution}: most effective pixels, then least wasted; the first on ties. */
    public static int[] selectBestResolution(int height, int width, int[][] pinpoints) {
        int[] best = null;
        long maxEffective = 0;
        long minWasted = Long.MAX_VALUE;
        for (int[] p : pinpoints) {
            int h = p[0];
            int w = p[1];
            double scale = Math.min((double) w / width, (double) h / height);
            long dw = (long) (width * scale);
            long dh = (long) (height * scale);
            long effective = Math.min(dw * dh, (long) width * height);
            long wasted = (long) w * h - effective;
            if (effective > maxEffective || (effective == maxEffective && wasted < minWasted)) {
                maxEffective = effective;
                minWasted = wasted;
                best = p;
            }
        }
        return best.clone();
    }

    /** Tiles of the canvas (the CLIP inputs after the base image). */
    public int numTiles() {
        return tileRows * tileCols;
    }

    /** Base-image tokens ({@code grid^2}). */
    public int numBaseTokens() {
        return grid * grid;
    }

    /** Tokens of the packed image: base, then {@code rows} mosaic rows of {@code cols} patches and a newline each. */
    public int numImageTokens() {
        return numBaseTokens() + rows * (cols + 1);
    }

    /** The layout of the packed image: panel 0 the base grid, panel 1 the unpadded mosaic with a newline per row. */
    public ImageLayout layout() {
        return new ImageLayout(numImageTokens(), List.of(new ImageLayout.Panel("base", 0, grid, grid, grid),
                new ImageLayout.Panel("tiles", numBaseTokens(), rows, cols, cols + 1)));
    }
}
