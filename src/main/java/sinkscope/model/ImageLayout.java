package sinkscope.model;

import java.util.List;

/**
 * Where an image's tokens lie inside its span {@code [imageStart, imageEnd)}: one or more row-major patch grids
 * ({@link Panel}s) and, between them or after their rows, separator tokens that are no patch (LLaVA-NeXT's
 * {@code image_newline}). LLaVA-1.5 and Qwen2-VL have one panel filling the span; LLaVA-NeXT has the base image
 * (G x G, no separators) followed by the unpadded tile mosaic, each of its rows ended by a newline token.
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
     * A row-major {@code rows x cols} patch grid starting {@code offset} tokens into the span, each row
     * {@code rowStride >= cols} tokens long (the tokens after the {@code cols} patches of a row are separators).
     */
    public record Panel(String name, int offset, int rows, int cols, int rowStride) {
        public Panel {
            if (rows < 0 || cols < 0 || rowStride < cols || offset < 0) {
                throw new IllegalArgumentException("panel " + name + ": rows " + rows + ", cols " + cols + ", stride " + rowStride + ", offset " + offset);
            }
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

    /** One {@code rows x cols} grid filling the span (LLaVA-1.5, Qwen2-VL). */
    public static ImageLayout grid(int rows, int cols) {
        return new ImageLayout(rows * cols, List.of(new Panel("image", 0, rows, cols, cols)));
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
