package sinkscope.model.llavanext;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import sinkscope.model.PillowResize;
import sinkscope.model.RgbImage;
import sinkscope.model.clip.ImageProcessorConfig;

/**
 * Hugging Face's {@code LlavaNextImageProcessor} (the PIL backend, transformers 5.18) for one image:
 *
 * <ol>
 *   <li>{@code convert("RGB")} ({@link RgbImage#of});</li>
 *   <li>the best canvas of {@code image_grid_pinpoints} ({@link AnyresGeometry}), the image resized into it with PIL
 *       BICUBIC keeping its aspect ratio, pasted centred on a black (0) canvas, cut into {@code S x S} tiles
 *       row-major;</li>
 *   <li>the whole image resized to {@code S x S} (aspect not kept) goes first;</li>
 *   <li>each of them through the CLIP steps (a resize and centre crop that are identities at {@code S x S}), rescale
 *       ({@code float32(u8 * rescale_factor)}) and normalize ({@code (x - float32(mean)) / float32(std)}), CHW.</li>
 * </ol>
 */
public final class LlavaNextImageProcessor {
    private final ImageProcessorConfig config;
    private final int[][] pinpoints;
    private final int size;
    private final int patch;

    /**
     * @param size the tile size (the vision tower's {@code image_size}; HF takes {@code crop_size.height})
     * @param patch the CLIP patch size
     */
    public LlavaNextImageProcessor(ImageProcessorConfig config, int[][] pinpoints, int size, int patch) {
        this.config = config;
        this.pinpoints = pinpoints;
        this.size = size;
        this.patch = patch;
    }

    public ImageProcessorConfig config() {
        return config;
    }

    public int[][] pinpoints() {
        return pinpoints;
    }

    /** All stages: the geometry, the padded canvas (uint8 HWC), and the pixel values {@code [1 + tiles, 3, S, S]} flat. */
    public record Result(AnyresGeometry geometry, RgbImage canvas, RgbImage base, float[] pixelValues, int numPatches, int size) {}

    public AnyresGeometry geometry(int width, int height) {
        return AnyresGeometry.of(height, width, pinpoints, size, patch);
    }

    public NDArray pixelValues(NDManager m, BufferedImage image) {
        Result r = process(RgbImage.of(image));
        return m.create(r.pixelValues(), new Shape(r.numPatches(), 3, size, size));
    }

    public Result process(BufferedImage image) {
        return process(RgbImage.of(image));
    }

    public Result process(RgbImage img) {
        AnyresGeometry g = geometry(img.width(), img.height());
        RgbImage resized = PillowResize.resize(img, g.resizedWidth(), g.resizedHeight());
        int cw = g.bestWidth();
        int ch = g.bestHeight();
        byte[] canvas = new byte[cw * ch * 3];
        for (int y = 0; y < resized.height(); y++) {
            System.arraycopy(resized.hwc(), y * resized.width() * 3, canvas, ((g.padTop() + y) * cw + g.padLeft()) * 3, resized.width() * 3);
        }
        RgbImage padded = new RgbImage(cw, ch, canvas);
        int baseH = config.shortestEdge() > 0 ? config.shortestEdge() : config.resizeHeight();
        int baseW = config.shortestEdge() > 0 ? config.shortestEdge() : config.resizeWidth();
        if (baseH != size || baseW != size || (config.doCenterCrop() && (config.cropHeight() != size || config.cropWidth() != size))) {
            throw new IllegalArgumentException("preprocessor size " + baseW + "x" + baseH + " / crop " + config.cropWidth() + "x" + config.cropHeight()
                    + " must equal the tile size " + size);
        }
        RgbImage base = PillowResize.resize(img, baseW, baseH);
        int n = 1 + g.numTiles();
        int plane = size * size;
        float[] out = new float[n * 3 * plane];
        config.normalize(base, out, 0);
        int k = 1;
        for (int ty = 0; ty < g.tileRows(); ty++) {
            for (int tx = 0; tx < g.tileCols(); tx++) {
                byte[] tile = new byte[plane * 3];
                for (int y = 0; y < size; y++) {
                    System.arraycopy(canvas, ((ty * size + y) * cw + tx * size) * 3, tile, y * size * 3, size * 3);
                }
                config.normalize(new RgbImage(size, size, tile), out, k * 3 * plane);
                k++;
            }
        }
        return new Result(g, padded, base, out, n, size);
    }
}
