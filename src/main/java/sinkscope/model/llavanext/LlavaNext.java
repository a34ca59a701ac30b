package sinkscope.model.llavanext;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import sinkscope.model.Checkpoint;
import sinkscope.model.CheckpointException;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.Weights;
import sinkscope.model.clip.ClipLmm;
import sinkscope.model.clip.ClipLmmConfig;
import sinkscope.model.clip.ImageProcessorConfig;
import sinkscope.model.clip.LlavaTokenizer;

/**
 * LlavaNextForConditionalGeneration (LLaVA-1.6): the CLIP tower and projector of LLaVA-1.5 (shared with it in
 * {@code sinkscope.model.clip}, as LLaVA-NeXT builds on it) run on the base image and every anyres tile; the
 * features are packed as transformers' {@code pack_image_features} with {@code spatial_unpad}: the base image's
 * {@code G x G} rows, then the tile mosaic ({@code tileRows*G x tileCols*G}, tiles placed spatially) unpadded to the
 * original aspect ratio, {@code image_newline} after each of its rows. The packed rows replace the single
 * {@code <image>} id; the decoder is LLaMA/Vicuna or Mistral (its sliding window applied in the attention mask).
 *
 * <p>The image span {@code [imageStart, imageEnd)} holds all packed rows, newline tokens included (the authors'
 * rule: every position the vision features occupy is an image token); {@link Inputs#layout()} says which are
 * base patches, mosaic patches and newlines, and the {@code gridRows x gridCols} grid is the base image's.
 */
public final class LlavaNext extends ClipLmm {
    private final LlavaNextConfig config;
    private final NDArray imageNewline; // [D]
    private LlavaTokenizer tokenizer;
    private LlavaNextImageProcessor images;

    private LlavaNext(NDManager manager, LlavaNextConfig config, ClipLmm.Parts parts, NDArray imageNewline, Device device, DataType dtype) {
        super(manager, config.clip(), parts, device, dtype);
        this.config = config;
        this.imageNewline = imageNewline;
    }

    public static LlavaNext load(Path dir, Device device, DataType dtype) {
        LlavaNextConfig config = LlavaNextConfig.load(dir.resolve("config.json"));
        LlavaNextImageProcessor images = processor(dir, config);
        LlavaTokenizer tok = LlavaTokenizer.load(dir, config.clip().imageTokenIndex());
        try (Checkpoint ck = Checkpoint.open(dir, ClipLmmConfig::aliases)) {
            LlavaNext model = create(config, ck, device, dtype);
            model.tokenizer = tok;
            model.attach(tok, tok.tokenizer(), null);
            model.images = images;
            return model;
        } catch (RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    /** The checkpoint's image processor: {@code preprocessor_config.json} (its pinpoints must be the model's), else the defaults at the tile size. */
    static LlavaNextImageProcessor processor(Path dir, LlavaNextConfig config) {
        int size = config.tileSize();
        Path pre = dir.resolve("preprocessor_config.json");
        ImageProcessorConfig ic = ImageProcessorConfig.forTower(dir, size);
        if (Files.isRegularFile(pre)) {
            com.google.gson.JsonElement pp = sinkscope.model.JsonFields.read(pre).get("image_grid_pinpoints");
            if (pp != null) {
                int[][] pins = LlavaNextConfig.pinpoints(pre, "image_grid_pinpoints", pp, size);
                if (!Arrays.deepEquals(pins, config.imageGridPinpoints())) {
                    throw CheckpointException.of(pre, "image_grid_pinpoints " + Arrays.deepToString(pins) + " differ from config.json's "
                            + Arrays.deepToString(config.imageGridPinpoints()));
                }
            }
        }
        return new LlavaNextImageProcessor(ic, config.imageGridPinpoints(), size, config.clip().vision().patchSize());
    }

    /** Builds the model of {@code config} from {@code weights} (a checkpoint, or random weights for benchmarks). */
    public static LlavaNext create(LlavaNextConfig config, Weights weights, Device device, DataType dtype) {
        return build(device, "llava_next", m -> new LlavaNext(m, config, ClipLmm.Parts.load(weights, m, config.clip(), dtype, device),
                weights.load(m, "image_newline", dtype, device, config.text().hiddenSize()), device, dtype));
    }

    @Override
    public LlavaNextConfig config() {
        return config;
    }

    public LlavaNextImageProcessor images() {
        return present(images, "image processor");
    }

    private LlavaTokenizer prompts() {
        return present(tokenizer, "tokenizer");
    }

    @Override
    public Inputs encode(NDManager m, String prompt, BufferedImage image, ImageOptions options) {
        if (options.mode() != null || options.minPixels() > 0 || options.maxPixels() > 0) {
            throw new IllegalArgumentException("LLaVA-NeXT processes images by anyres tiling (image_grid_pinpoints); --image-mode and min/max pixels do not apply");
        }
        long[] ids = prompts().encode(prompt);
        if (image == null) {
            return inputs(ids, null, 0, 0);
        }
        return inputs(ids, images().pixelValues(m, image), image.getWidth(), image.getHeight());
    }

    /** Stored pixel values [1 + tiles, 3, S, S] with {@code imageSizes} = the original {@code (height, width)} (HF's {@code image_sizes}). */
    @Override
    public Inputs encode(NDManager m, String prompt, NDArray pixelValues, long[] imageSizes) {
        if (imageSizes == null || imageSizes.length != 2) {
            throw new IllegalArgumentException("LLaVA-NeXT pixel values need the original image size: store image_sizes (height, width) beside pixel_values");
        }
        return inputs(prompts().encode(prompt), pixelValues, (int) imageSizes[1], (int) imageSizes[0]);
    }

    /** Token ids with one {@code <image>}, pixel values [1 + tiles, 3, S, S] of a {@code width x height} image. */
    public Inputs inputs(long[] ids, NDArray pixels, int width, int height) {
        int g = config.tileGrid();
        if (pixels == null) {
            return new Inputs(ids, null, null, g, g, 0, 0, ImageOptions.DEFAULT);
        }
        AnyresGeometry geo = geometry(width, height);
        if (pixels.getShape().dimension() == 5 && pixels.getShape().get(0) == 1) {
            pixels = pixels.get(0);
        }
        long[] s = pixels.getShape().getShape();
        if (s.length != 4 || s[0] != 1 + geo.numTiles() || s[1] != 3 || s[2] != config.tileSize() || s[3] != config.tileSize()) {
            throw new IllegalArgumentException("pixel values " + pixels.getShape() + " do not fit a " + width + "x" + height + " image: expected ["
                    + (1 + geo.numTiles()) + ", 3, " + config.tileSize() + ", " + config.tileSize() + "] (best resolution " + geo.bestHeight() + "x"
                    + geo.bestWidth() + ")");
        }
        return new Inputs(ids, pixels, null, g, g, width, height, ImageOptions.DEFAULT, geo.layout());
    }

    public AnyresGeometry geometry(int width, int height) {
        var v = config.clip().vision();
        return AnyresGeometry.of(height, width, config.imageGridPinpoints(), v.imageSize(), v.patchSize());
    }

    /** transformers' {@code pack_image_features} of projected tiles [1 + tiles, G*G, D] for {@code geo}: [N, D]. */
    public NDArray pack(NDManager m, NDArray projected, AnyresGeometry geo) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            int g = geo.grid();
            long d = projected.getShape().get(2);
            NDArray base = projected.get(0);
            NDArray mosaic = projected.get(new NDIndex("1:")).reshape(geo.tileRows(), geo.tileCols(), g, g, d).transpose(0, 2, 1, 3, 4)
                    .reshape((long) geo.tileRows() * g, (long) geo.tileCols() * g, d)
                    .get(new NDIndex("{}:{}, {}:{}, :", geo.firstRow(), geo.firstRow() + geo.rows(), geo.firstCol(), geo.firstCol() + geo.cols()));
            NDArray newline = imageNewline.toType(mosaic.getDataType(), false).reshape(1, 1, d).broadcast(geo.rows(), 1, d);
            NDArray packed = NDArrays.concat(new NDList(base, mosaic.concat(newline, 1).reshape(-1, d)), 0);
            NDScope.unregister(packed);
            packed.attach(m);
            return packed;
        }
    }

    @Override
    public NDArray imageFeatures(NDManager m, Inputs inputs) {
        try (NDManager tmp = m.newSubManager()) {
            NDArray projected = imageFeatures(tmp, inputs.pixelValues());
            NDArray packed = pack(m, projected, geometry(inputs.width(), inputs.height()));
            return packed;
        }
    }

    /**
     * The image tokens (over the whole span: base grid, then mosaic rows with their newline) an object's box covers:
     * a base patch when its centre lies in the box scaled to the {@code S x S} base image, a mosaic patch when its
     * centre lies in the box mapped into the canvas (scaled by the resize, shifted by the padding); newline tokens
     * never. A box too small to hold a centre gets the patch under its centre, in each panel.
     */
    @Override
    public boolean[] objectPatches(Inputs inputs, double[] box) {
        if (inputs.width() <= 0) {
            throw new IllegalArgumentException("object boxes need the original image size");
        }
        AnyresGeometry geo = geometry(inputs.width(), inputs.height());
        int patch = config.clip().vision().patchSize();
        int size = config.tileSize();
        boolean[] on = new boolean[geo.numImageTokens()];
        double sx = (double) size / geo.width();
        double sy = (double) size / geo.height();
        mark(on, 0, geo.grid(), geo.grid(), geo.grid(), 0, 0, patch, box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy);
        double rx = (double) geo.resizedWidth() / geo.width();
        double ry = (double) geo.resizedHeight() / geo.height();
        mark(on, geo.numBaseTokens(), geo.rows(), geo.cols(), geo.cols() + 1, geo.firstRow(), geo.firstCol(), patch, box[0] * rx + geo.padLeft(),
                box[1] * ry + geo.padTop(), box[2] * rx + geo.padLeft(), box[3] * ry + geo.padTop());
        return on;
    }

    private static void mark(boolean[] on, int offset, int rows, int cols, int stride, int row0, int col0, int patch, double x0, double y0, double x1,
            double y1) {
        boolean any = false;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double cx = (c + col0 + 0.5) * patch;
                double cy = (r + row0 + 0.5) * patch;
                if (cx >= x0 && cx < x1 && cy >= y0 && cy < y1) {
                    on[offset + r * stride + c] = true;
                    any = true;
                }
            }
        }
        if (!any) {
            int c = (int) Math.floor((x0 + x1) / 2 / patch) - col0;
            int r = (int) Math.floor((y0 + y1) / 2 / patch) - row0;
            if (r >= 0 && r < rows && c >= 0 && c < cols) {
                on[offset + r * stride + c] = true;
            }
        }
    }

}
