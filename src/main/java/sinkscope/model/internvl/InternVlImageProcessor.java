package sinkscope.model.internvl;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.CheckpointException;
import sinkscope.model.JsonFields;
import sinkscope.model.RgbImage;
import sinkscope.model.TileGrid;

/**
 * InternVL's image processor ({@code GotOcr2ImageProcessor}, PIL path, with InternVLProcessor's {@code crop_to_patches}):
 * the tile grid {@code (cols, rows)} whose aspect ratio {@code cols / rows} is closest to the image's {@code w / h}
 * among all grids with {@code min_patches <= cols * rows <= max_patches} (listed by increasing tile count, for each
 * count {@code cols} ascending); on a tie the later grid wins while the image's area exceeds half the canvas area
 * ({@code get_optimal_tiled_canvas}); then the image resized (Pillow bicubic) to {@code cols x rows} tiles, cropped
 * row-major, and, when there is more than one tile, the whole image resized to one tile as a thumbnail after them;
 * each tile rescaled by {@code rescale_factor} and normalised by {@code image_mean}/{@code image_std}.
 */
public final class InternVlImageProcessor {
    private final int tile;
    private final int minPatches;
    private final int maxPatches;
    private final boolean cropToPatches;
    private final double rescaleFactor;
    private final double[] mean;
    private final double[] std;

    InternVlImageProcessor(int tile, int minPatches, int maxPatches, boolean cropToPatches, double rescaleFactor, double[] mean, double[] std) {
        this.tile = tile;
        this.minPatches = minPatches;
        this.maxPatches = maxPatches;
        this.cropToPatches = cropToPatches;
        this.rescaleFactor = rescaleFactor;
        this.mean = mean;
        this.std = std;
    }

    /** Tiles of one image: pixel values [tiles, 3, S, S] (channel-first floats) and the grid they came from. */
    public record Result(TileGrid grid, float[] pixelValues) {}

    /** Reads {@code preprocessor_config.json}; its tile {@code size} must be the vision tower's {@code image_size}. */
    public static InternVlImageProcessor load(Path file, int imageSize) {
        if (!Files.isRegularFile(file)) {
            throw CheckpointException.of(file, "missing: InternVL needs its image processor's tile size and max_patches");
        }
        JsonFields f = new JsonFields(file, JsonFields.read(file), "");
        int h = imageSize;
        int w = imageSize;
        JsonObject size = f.object("size");
        if (size != null) {
            JsonFields s = new JsonFields(file, size, "size.");
            h = s.integer("height", imageSize);
            w = s.integer("width", imageSize);
        }
        if (h != imageSize || w != imageSize) {
            throw CheckpointException.of(file, "field 'size' is " + w + "x" + h + "; the vision tower's image_size is " + imageSize);
        }
        int resample = f.integer("resample", 3);
        if (resample != 3) {
            throw CheckpointException.of(file, "field 'resample' is " + resample + "; only 3 (bicubic) is supported");
        }
        int min = f.integer("min_patches", 1);
        int max = f.integer("max_patches", 12);
        if (min < 1 || max < min) {
            throw CheckpointException.of(file, "min_patches " + min + ", max_patches " + max + ": need 1 <= min_patches <= max_patches");
        }
        double[] mean = f.channels("image_mean", new double[] {0.485, 0.456, 0.406});
        double[] std = f.channels("image_std", new double[] {0.229, 0.224, 0.225});
        boolean rescale = f.bool("do_rescale", true);
        boolean normalize = f.bool("do_normalize", true);
        if (!normalize) {
            mean = new double[] {0, 0, 0};
            std = new double[] {1, 1, 1};
        }
        // InternVLProcessor passes crop_to_patches=True unless the processor config says otherwise
        return new InternVlImageProcessor(imageSize, min, max, f.bool("crop_to_patches", true), rescale ? f.number("rescale_factor", 1 / 255.0) : 1.0,
                mean, std);
    }

    /** The tile grid of a {@code width x height} image. */
    public TileGrid grid(int width, int height) {
        if (!cropToPatches || maxPatches <= 1) {
            return new TileGrid(1, 1, tile, false);
        }
        int[] cr = optimalCanvas(height, width, tile, minPatches, maxPatches);
        return new TileGrid(cr[0], cr[1], tile, cr[0] * cr[1] != 1);
    }

    /** transformers' {@code get_optimal_tiled_canvas}: {cols, rows}. */
    public static int[] optimalCanvas(int height, int width, int tile, int min, int max) {
        List<int[]> grids = new java.util.ArrayList<>();
        for (int c = 1; c <= max; c++) {
            for (int r = 1; r <= max; r++) {
                if (c * r <= max && c * r >= min) {
                    grids.add(new int[] {c, r});
                }
            }
        }
        grids.sort(java.util.Comparator.comparingInt(g -> g[0] * g[1])); // stable, as Python's sorted
        double aspect = (double) width / height;
        double area = (double) width * height;
        double best = Double.POSITIVE_INFINITY;
        int[] out = {1, 1};
        for (int[] g : grids) {
            double diff = Math.abs(aspect - (double) g[0] / g[1]);
            if (diff < best) {
                best = diff;
                out = g;
            } else if (diff == best && area > 0.5 * tile * tile * g[0] * g[1]) {
                out = g;
            }
        }
        return out.clone();
    }

    /** Every tile of {@code rgb}, normalised, in the model's order. */
    public Result process(RgbImage rgb) {
        TileGrid grid = grid(rgb.width(), rgb.height());
        List<RgbImage> tiles = grid.crop(rgb);
        int hw = tile * tile;
        float[] out = new float[tiles.size() * 3 * hw];
        for (int t = 0; t < tiles.size(); t++) {
            byte[] src = tiles.get(t).hwc();
            for (int c = 0; c < 3; c++) {
                float m = (float) mean[c];
                float s = (float) std[c];
                int base = (t * 3 + c) * hw;
                for (int i = 0; i < hw; i++) {
                    float x = (float) ((src[i * 3 + c] & 0xff) * rescaleFactor);
                    out[base + i] = (x - m) / s;
                }
            }
        }
        return new Result(grid, out);
    }
}
