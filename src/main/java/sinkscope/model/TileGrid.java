package sinkscope.model;

import java.util.ArrayList;
import java.util.List;

/**
 * An image processed as a grid of square tiles: the image resized to a {@code cols x rows} canvas of {@code tile}-pixel
 * tiles, the tiles cropped in row-major order, and (with {@code thumbnail}) the whole image resized to one tile after
 * them, as the tiling processors of transformers do it (GOT-OCR2 / InternVL's {@code crop_image_to_patches}; the
 * anyres families crop their canvas the same way). Which canvas a family picks is the family's; this is what follows.
 *
 * @param cols tiles per canvas row
 * @param rows tiles per canvas column
 * @param tile tile side in pixels
 * @param thumbnail whether the whole-image thumbnail follows the tiles
 */
public record TileGrid(int cols, int rows, int tile, boolean thumbnail) {

    public TileGrid {
        if (cols <= 0 || rows <= 0 || tile <= 0) {
            throw new IllegalArgumentException("tile grid " + cols + "x" + rows + " of " + tile + " px must be positive");
        }
    }

    /** Tiles the model sees: the canvas tiles, plus the thumbnail. */
    public int numTiles() {
        return cols * rows + (thumbnail ? 1 : 0);
    }

    /** The canvas tiles (row-major), then the thumbnail: each {@code tile x tile}, resized with Pillow's bicubic. */
    public List<RgbImage> crop(RgbImage image) {
        RgbImage canvas = PillowResize.resize(image, cols * tile, rows * tile);
        List<RgbImage> out = new ArrayList<>(numTiles());
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                byte[] px = new byte[tile * tile * 3];
                for (int y = 0; y < tile; y++) {
                    System.arraycopy(canvas.hwc(), ((r * tile + y) * canvas.width() + c * tile) * 3, px, y * tile * 3, tile * 3);
                }
                out.add(new RgbImage(tile, tile, px));
            }
        }
        if (thumbnail) {
            out.add(PillowResize.resize(image, tile, tile));
        }
        return out;
    }

    /**
     * The image span of a model that gives every tile {@code side x side} tokens, tile after tile: one panel per canvas
     * tile ({@code tile r,c}, showing cell {@code (r, c)} of the picture), then {@code thumbnail} (the whole picture); no
     * separators.
     */
    public ImageLayout layout(int side) {
        List<ImageLayout.Panel> panels = new ArrayList<>();
        int per = side * side;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                panels.add(new ImageLayout.Panel("tile " + r + "," + c, (r * cols + c) * per, side, side, side, ImageLayout.Region.cell(r, c, rows, cols)));
            }
        }
        if (thumbnail) {
            panels.add(new ImageLayout.Panel("thumbnail", rows * cols * per, side, side, side));
        }
        return new ImageLayout(numTiles() * per, panels);
    }
}
