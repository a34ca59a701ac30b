package sinkscope.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import sinkscope.model.PillowResize;
import sinkscope.model.RgbImage;

/**
 * Hugging Face's {@code CLIPImageProcessor} (transformers 4.41) with PIL, for one image, as LLaVA-1.5 uses it.
 *
 * <ol>
 *   <li>{@code do_convert_rgb}: PIL {@code convert("RGB")} ({@link RgbImage#of}).</li>
 *   <li>{@link Mode#PAD} only (original LLaVA {@code image_aspect_ratio = "pad"}, {@code expand2square}): the
 *       image is pasted at {@code ((S - w) // 2, (S - h) // 2)} on an {@code S = max(w, h)} square filled with
 *       {@code tuple(int(m * 255) for m in image_mean)}.</li>
 *   <li>{@code do_resize}: shortest edge to {@code size}, long edge {@code int(size * long / short)} (truncated),
 *       or exactly {@code height x width}; PIL BICUBIC ({@link PillowResize}).</li>
 *   <li>{@code do_center_crop}: {@code top = (h - crop_h) // 2}, {@code left = (w - crop_w) // 2} (floor
 *       division); a crop larger than the image is zero-padded as HF does (image at {@code ceil((crop - h) / 2)}).</li>
 *   <li>{@code do_rescale}: {@code float32(u8 * rescale_factor)}, the product in double (numpy float64).</li>
 *   <li>{@code do_normalize}: {@code (x - float32(mean[c])) / float32(std[c])} in float32.</li>
 *   <li>HWC to CHW.</li>
 * </ol>
 */
public final class ClipImageProcessor {
    /** How the image is made to fit the square input. */
    public enum Mode {
        /** HF CLIPImageProcessor as configured: resize by shortest edge, center crop. */
        CROP,
        /** LLaVA's expand2square onto the mean colour, then the same processor. */
        PAD
    }

    /**
     * All stages of one image: {@code padded} (null in {@link Mode#CROP}), {@code resized}, {@code cropped}
     * (uint8 HWC), and {@code pixelValues} (float32 CHW, {@code [3, height, width]}).
     */
    public record Result(RgbImage padded, RgbImage resized, RgbImage cropped, float[] pixelValues, int height, int width) {}

    private final ImageProcessorConfig config;

    public ClipImageProcessor(ImageProcessorConfig config) {
        this.config = config;
    }

    public ImageProcessorConfig config() {
        return config;
    }

    /** The float32 CHW pixel values {@code [3, H, W]} of {@code img}. */
    public float[] pixelValues(BufferedImage img, Mode mode) {
        return process(img, mode).pixelValues();
    }

    /** The pixel values as an NDArray {@code [1, 3, H, W]} (float32) in {@code manager}. */
    public NDArray pixelValues(NDManager manager, BufferedImage img, Mode mode) {
        Result r = process(img, mode);
        return manager.create(r.pixelValues(), new Shape(1, 3, r.height(), r.width()));
    }

    /** Every stage of the processing of {@code img}. */
    public Result process(BufferedImage img, Mode mode) {
        if (!config.doConvertRgb() && !isPlainRgb(img)) {
            throw new IllegalArgumentException("image has " + img.getColorModel().getNumComponents() + " components"
                    + " (colour model " + img.getColorModel().getClass().getSimpleName() + ") but do_convert_rgb is false");
        }
        return process(RgbImage.of(img), mode);
    }

    /** Every stage of the processing of an image already in RGB. */
    public Result process(RgbImage rgb, Mode mode) {
        RgbImage padded = mode == Mode.PAD ? expandToSquare(rgb, background()) : null;
        RgbImage resized = config.doResize() ? resize(padded != null ? padded : rgb) : (padded != null ? padded : rgb);
        RgbImage cropped = config.doCenterCrop() ? centerCrop(resized, config.cropHeight(), config.cropWidth()) : resized;
        return new Result(padded, resized, cropped, normalize(cropped), cropped.height(), cropped.width());
    }

    /** LLaVA's background colour {@code int(m * 255)} per channel of {@code image_mean}. */
    public int[] background() {
        int[] bg = new int[3];
        for (int c = 0; c < 3; c++) {
            bg[c] = (int) (config.imageMean()[c] * 255);
        }
        return bg;
    }

    /** LLaVA's {@code expand2square}: {@code img} centred on a {@code max(w, h)} square of {@code background}. */
    public static RgbImage expandToSquare(RgbImage img, int[] background) {
        int w = img.width();
        int h = img.height();
        if (w == h) {
            return img;
        }
        int s = Math.max(w, h);
        byte[] out = new byte[s * s * 3];
        for (int i = 0; i < s * s; i++) {
            out[i * 3] = (byte) background[0];
            out[i * 3 + 1] = (byte) background[1];
            out[i * 3 + 2] = (byte) background[2];
        }
        int left = (s - w) / 2;
        int top = (s - h) / 2;
        for (int y = 0; y < h; y++) {
            System.arraycopy(img.hwc(), y * w * 3, out, ((top + y) * s + left) * 3, w * 3);
        }
        return new RgbImage(s, s, out);
    }

    private RgbImage resize(RgbImage img) {
        int w = img.width();
        int h = img.height();
        if (config.shortestEdge() == 0) {
            return PillowResize.resize(img, config.resizeWidth(), config.resizeHeight());
        }
        int shortSide = Math.min(w, h);
        int longSide = Math.max(w, h);
        int newShort = config.shortestEdge();
        int newLong = (int) ((double) newShort * longSide / shortSide);
        return w <= h ? PillowResize.resize(img, newShort, newLong) : PillowResize.resize(img, newLong, newShort);
    }

    /** HF {@code center_crop} on HWC uint8, zero-padding when the crop is larger than the image. */
    static RgbImage centerCrop(RgbImage img, int cropH, int cropW) {
        int w = img.width();
        int h = img.height();
        int top = Math.floorDiv(h - cropH, 2);
        int left = Math.floorDiv(w - cropW, 2);
        byte[] out = new byte[cropH * cropW * 3];
        for (int y = 0; y < cropH; y++) {
            int sy = top + y;
            if (sy < 0 || sy >= h) {
                continue;
            }
            int x0 = Math.max(0, -left);
            int x1 = Math.min(cropW, w - left);
            if (x1 > x0) {
                System.arraycopy(img.hwc(), (sy * w + left + x0) * 3, out, (y * cropW + x0) * 3, (x1 - x0) * 3);
            }
        }
        return new RgbImage(cropW, cropH, out);
    }

    private float[] normalize(RgbImage img) {
        float[] chw = new float[3 * img.width() * img.height()];
        config.normalize(img, chw, 0);
        return chw;
    }

    private static boolean isPlainRgb(BufferedImage img) {
        ColorModel cm = img.getColorModel();
        return cm.getNumComponents() == 3 && cm.getColorSpace().getType() == ColorSpace.TYPE_RGB && !(cm instanceof IndexColorModel);
    }
}
