package sinkscope.model;

import java.util.List;

/**
 * Where an image's tokens lie inside its span {@code [imageStart, imageEnd)}: one or more row-major patch grids
 * ({@link Panel}s) and, between them or after their rows, separator tokens that are no patch (LLaVA-NeXT's
 * {@code image_newline}). LLaVA-1.5 and Qwen2-VL have one panel filling the span; LLaVA-NeXT has the base image
 * (G x G, no separators) followed by the unpadded tile mosaic, each of its rows ended by a newline token.
 *
 * <p>Each panel also says which part of the original picture its grid shows ({@link Region}): the centre square for
 * LLaVA-1.5's centre crop, a tile of the resized canvas for InternVL, the whole picture for a thumbnail, a base image or
 * a grid over the resized picture. The report draws every panel over that part of the picture without knowing the
 * family.
 *
 * <p>The whole span is the image for the analysis (sink statistics, image-centric heads, VAR), as in the authors'
 * code, which takes every position the vision features occupy; the layout only says which of those positions is
 * which patch (heatmaps, object patches).
 *
 * @param length tokens in the span
 * @param panels the patch grids, the first being the one {@link Inputs#gridRows()} x {@link Inputs#gridCols()} names
 */
public record ImageLayout(int length, List<Panel> panels) {

    /** Kind of a position in the span: a patch of panel {@code k >= 0}, or {@link #SEPARATOR}. */
    public static final int SEPARATOR = -1;

    /**
     * The part of the original picture a panel's patch grid shows: {@code (x0, y0)} its top-left and {@code (x1, y1)}
     * its bottom-right corner as fractions of the picture's width and height, outside {@code [0, 1]} where the
     * processor padded the picture. Patch {@code (r, c)} of a {@code rows x cols} panel covers
     * {@code x0 + (x1 - x0) * [c, c + 1) / cols}, likewise in y.
     */
    public record Region(double x0, double y0, double x1, double y1) {
        /** The whole picture, resized to the grid. */
        public static final Region WHOLE = new Region(0, 0, 1, 1);

        public Region {
            if (!(x1 > x0) || !(y1 > y0)) {
                throw new IllegalArgumentException("picture region (" + x0 + ", " + y0 + ") - (" + x1 + ", " + y1 + ") is empty");
            }
        }

        /**
         * The centre square of a {@code width x height} picture, what a shortest-edge resize and centre crop keeps (CLIP,
         * top-left at {@code floor((w - side) / 2)} as HF's {@code center_crop}); {@link #WHOLE} when the size is unknown (0).
         */
        public static Region centreSquare(int width, int height) {
            if (width <= 0 || height <= 0) {
                return WHOLE;
            }
            int side = Math.min(width, height);
            double x0 = Math.floorDiv(width - side, 2) / (double) width;
            double y0 = Math.floorDiv(height - side, 2) / (double) height;
            return new Region(x0, y0, x0 + side / (double) width, y0 + side / (double) height);
        }

        /**
         * A {@code width x height} picture padded to a square around it (LLaVA's {@code expand2square}: the picture at
         * {@code ((side - w) / 2, (side - h) / 2)}, floor division); {@link #WHOLE} when the size is unknown (0).
         */
        public static Region paddedSquare(int width, int height) {
            if (width <= 0 || height <= 0) {
                return WHOLE;
            }
            int side = Math.max(width, height);
            double x0 = -((side - width) / 2) / (double) width;
            double y0 = -((side - height) / 2) / (double) height;
            return new Region(x0, y0, x0 + side / (double) width, y0 + side / (double) height);
        }

        /** Cell {@code (r, c)} of the picture split into {@code rows x cols} equal cells (a tile of a resized canvas). */
        public static Region cell(int r, int c, int rows, int cols) {
            return new Region(c / (double) cols, r / (double) rows, (c + 1) / (double) cols, (r + 1) / (double) rows);
        }

        /** {@code {x0, y0, x1, y1}}. */
        public double[] toArray() {
            return new double[] {x0, y0, x1, y1};
        }
    }

    /**
     * A row-major {@code rows x cols} patch grid starting {@code offset} tokens into the span, each row
     * {@code rowStride >= cols} tokens long (the tokens after the {@code cols} patches of a row are separators),
     * showing {@code picture} of the original picture.
     */
    public record Panel(String name, int offset, int rows, int cols, int rowStride, Region picture) {
        public Panel {
            if (rows < 0 || cols < 0 || rowStride < cols || offset < 0 || picture == null) {
                throw new IllegalArgumentException("panel " + name + ": rows " + rows + ", cols " + cols + ", stride " + rowStride + ", offset " + offset
                        + ", picture " + picture);
            }
        }

        /** A panel over the whole picture. */
        public Panel(String name, int offset, int rows, int cols, int rowStride) {
            this(name, offset, rows, cols, rowStride, Region.WHOLE);
        }

        /** Tokens the panel spans, separators included. */
        public int span() {
            return rows * rowStride;
        }

        /** Span position (relative to the image start) of patch {@code (r, c)}. */
        public int position(int r, int c) {
            return offset + r * rowStride + c;
        }
    }

    public ImageLayout {
        panels = List.copyOf(panels);
        int end = 0;
        for (Panel p : panels) {
            if (p.offset() < end || p.offset() + p.span() > length) {
                throw new IllegalArgumentException("panel " + p + " overlaps another or leaves the span of " + length);
            }
            end = p.offset() + p.span();
        }
    }

    /** One {@code rows x cols} grid filling the span, over the whole picture (Qwen-VL). */
    public static ImageLayout grid(int rows, int cols) {
        return grid(rows, cols, Region.WHOLE);
    }

    /** One {@code rows x cols} grid filling the span, showing {@code picture} of the picture (LLaVA-1.5's centre crop). */
    public static ImageLayout grid(int rows, int cols, Region picture) {
        return new ImageLayout(rows * cols, List.of(new Panel("image", 0, rows, cols, cols, picture)));
    }

    /** Per span position: the index of its panel, or {@link #SEPARATOR}. */
    public int[] kinds() {
        int[] k = new int[length];
        java.util.Arrays.fill(k, SEPARATOR);
        for (int i = 0; i < panels.size(); i++) {
            Panel p = panels.get(i);
            for (int r = 0; r < p.rows(); r++) {
                for (int c = 0; c < p.cols(); c++) {
                    k[p.position(r, c)] = i;
                }
            }
        }
        return k;
    }

    /** The values of {@code perToken} (one per span position) at panel {@code index}'s patches, row-major. */
    public float[] panelValues(int index, float[] perToken) {
        Panel p = panels.get(index);
        float[] out = new float[p.rows() * p.cols()];
        for (int r = 0; r < p.rows(); r++) {
            for (int c = 0; c < p.cols(); c++) {
                out[r * p.cols() + c] = perToken[p.position(r, c)];
            }
        }
        return out;
    }

    /** Number of separator positions. */
    public int separators() {
        int n = 0;
        for (int k : kinds()) {
            if (k == SEPARATOR) {
                n++;
            }
        }
        return n;
    }
}
