package sinkscope.model.qwenvl;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import sinkscope.model.CheckpointException;
import sinkscope.model.ImageProcessingException;
import sinkscope.model.JsonFields;
import sinkscope.model.PillowResize;
import sinkscope.model.RgbImage;

/**
 * Hugging Face's {@code Qwen2VLImageProcessor} with PIL (transformers 5), for one still image: Qwen2-VL, Qwen2.5-VL
 * (patch 14) and Qwen3-VL (patch 16), the sizes checked against the tower's ({@link VisionShape}).
 *
 * <ol>
 *   <li>{@code smart_resize} with {@code factor = patch_size * merge_size}: {@code h' = round(h / f) f},
 *       {@code w' = round(w / f) f} (Python's round: half to even); if {@code h' w' > max_pixels},
 *       {@code beta = sqrt(h w / max_pixels)}, {@code h' = max(f, floor(h / beta / f) f)} (and w'); else if
 *       {@code h' w' < min_pixels}, {@code beta = sqrt(min_pixels / (h w))}, {@code h' = ceil(h beta / f) f}. An
 *       aspect ratio above 200 is refused.</li>
 *   <li>PIL BICUBIC resize to {@code w' x h'} ({@link PillowResize}), rescale {@code float32(u8 * rescale_factor)},
 *       normalize {@code (x - mean[c]) / std[c]} in float32.</li>
 *   <li>The still image is its own second frame ({@code temporal_patch_size} copies), and the patches are flattened
 *       as HF's {@code patchify}: rows in order of merge blocks {@code (bh, bw)}, then the {@code m x m} patches
 *       inside a block {@code (mh, mw)}; each row is {@code [c][t][py][px]} of patch
 *       {@code (bh m + mh, bw m + mw)}, so {@code pixel_values} is {@code [gh gw, C T P P]} and
 *       {@code image_grid_thw = (1, gh, gw)} with {@code gh = h' / P}.</li>
 * </ol>
 */
public final class QwenVlImageProcessor {
    /** One processed image: the resized uint8 image, the flattened patches and the grid in patches. */
    public record Result(RgbImage resized, float[] pixelValues, int patches, int patchDim, long[] gridThw) {}

    private final int minPixels;
    private final int maxPixels;
    private final int patchSize;
    private final int temporalPatchSize;
    private final int mergeSize;
    private final double rescaleFactor;
    private final double[] mean;
    private final double[] std;
    private final boolean doResize;
    private final boolean doRescale;
    private final boolean doNormalize;

    public QwenVlImageProcessor(int minPixels, int maxPixels, int patchSize, int temporalPatchSize, int mergeSize, double rescaleFactor,
            double[] mean, double[] std, boolean doResize, boolean doRescale, boolean doNormalize) {
        this.minPixels = minPixels;
        this.maxPixels = maxPixels;
        this.patchSize = patchSize;
        this.temporalPatchSize = temporalPatchSize;
        this.mergeSize = mergeSize;
        this.rescaleFactor = rescaleFactor;
        this.mean = mean;
        this.std = std;
        this.doResize = doResize;
        this.doRescale = doRescale;
        this.doNormalize = doNormalize;
    }

    /** {@code preprocessor_config.json} (min/max pixels as {@code min_pixels}/{@code max_pixels} or {@code size}), checked against the vision config. */
    public static QwenVlImageProcessor load(Path file, VisionShape vision) {
        int patchSize = vision.patchSize();
        int temporalPatchSize = vision.temporalPatchSize();
        int spatialMergeSize = vision.spatialMergeSize();
        JsonFields f = new JsonFields(file, Files.isRegularFile(file) ? JsonFields.read(file) : new JsonObject(), "");
        JsonObject size = f.object("size");
        JsonFields s = size == null ? null : new JsonFields(file, size, "size.");
        int min = f.integer("min_pixels", s == null ? 56 * 56 : s.integer("shortest_edge", s.integer("min_pixels", 56 * 56)));
        int max = f.integer("max_pixels", s == null ? 28 * 28 * 1280 : s.integer("longest_edge", s.integer("max_pixels", 28 * 28 * 1280)));
        int patch = f.integer("patch_size", patchSize);
        int temporal = f.integer("temporal_patch_size", temporalPatchSize);
        int merge = f.integer("merge_size", spatialMergeSize);
        if (patch != patchSize || temporal != temporalPatchSize || merge != spatialMergeSize) {
            throw CheckpointException.of(file, "patch_size/temporal_patch_size/merge_size " + patch + "/" + temporal + "/" + merge
                    + " do not match config.json's vision_config " + patchSize + "/" + temporalPatchSize + "/" + spatialMergeSize);
        }
        if (f.integer("resample", 3) != 3) {
            throw CheckpointException.of(file, "field 'resample' must be 3 (PIL BICUBIC)");
        }
        JsonFields.positive(file, "min_pixels", min);
        if (max < min) {
            throw CheckpointException.of(file, "max_pixels " + max + " is below min_pixels " + min);
        }
        return new QwenVlImageProcessor(min, max, patch, temporal, merge, f.number("rescale_factor", 1 / 255.0),
                f.channels("image_mean", new double[] {0.48145466, 0.4578275, 0.40821073}),
                f.channels("image_std", new double[] {0.26862954, 0.26130258, 0.27577711}), f.bool("do_resize", true), f.bool("do_rescale", true),
                f.bool("do_normalize", true));
    }

    /** This processor with {@code min_pixels}/{@code max_pixels} replaced where the argument is positive. */
    public QwenVlImageProcessor withPixels(int min, int max) {
        int newMin = min > 0 ? min : minPixels;
        int newMax = max > 0 ? max : maxPixels;
        if (newMax < newMin) {
            throw new IllegalArgumentException("max_pixels " + newMax + " is below min_pixels " + newMin);
        }
        return new QwenVlImageProcessor(newMin, newMax, patchSize, temporalPatchSize, mergeSize, rescaleFactor, mean, std, doResize, doRescale,
                doNormalize);
    }

    public int minPixels() {
        return minPixels;
    }

    public int maxPixels() {
        return maxPixels;
    }

    /** HF's {@code smart_resize}: {height, width} of the resized image. */
    public int[] smartResize(int height, int width) {
        int factor = patchSize * mergeSize;
        if (Math.max(height, width) / (double) Math.min(height, width) > 200) {
            throw new ImageProcessingException("image " + width + "x" + height + ": absolute aspect ratio must be smaller than 200, got "
                    + Math.max(height, width) / (double) Math.min(height, width));
        }
        long hBar = Math.round(Math.rint(height / (double) factor)) * factor;
        long wBar = Math.round(Math.rint(width / (double) factor)) * factor;
        if (hBar * wBar > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            hBar = Math.max(factor, (long) Math.floor(height / beta / factor) * factor);
            wBar = Math.max(factor, (long) Math.floor(width / beta / factor) * factor);
        } else if (hBar * wBar < minPixels) {
            double beta = Math.sqrt(minPixels / ((double) height * width));
            hBar = (long) Math.ceil(height * beta / factor) * factor;
            wBar = (long) Math.ceil(width * beta / factor) * factor;
        }
        if (hBar * wBar > maxPixels) {
            throw new ImageProcessingException("image " + width + "x" + height + " resizes to " + wBar + "x" + hBar + " = " + hBar * wBar
                    + " pixels, above max_pixels " + maxPixels + " (its aspect ratio leaves no smaller multiple of " + factor + ")");
        }
        return new int[] {(int) hBar, (int) wBar};
    }

    /** Every stage of one image (already RGB). */
    public Result process(RgbImage rgb) {
        RgbImage resized = rgb;
        if (doResize) {
            int[] hw = smartResize(rgb.height(), rgb.width());
            resized = hw[0] == rgb.height() && hw[1] == rgb.width() ? rgb : PillowResize.resize(rgb, hw[1], hw[0]);
        }
        int h = resized.height();
        int w = resized.width();
        if (h % (patchSize * mergeSize) != 0 || w % (patchSize * mergeSize) != 0) {
            throw new ImageProcessingException("image " + w + "x" + h + " is not a multiple of " + patchSize * mergeSize + " (do_resize is false)");
        }
        float[] chw = normalize(resized);
        int gh = h / patchSize;
        int gw = w / patchSize;
        int patchDim = 3 * temporalPatchSize * patchSize * patchSize;
        float[] out = new float[gh * gw * patchDim];
        int row = 0;
        for (int bh = 0; bh < gh / mergeSize; bh++) {
            for (int bw = 0; bw < gw / mergeSize; bw++) {
                for (int mh = 0; mh < mergeSize; mh++) {
                    for (int mw = 0; mw < mergeSize; mw++) {
                        int py0 = (bh * mergeSize + mh) * patchSize;
                        int px0 = (bw * mergeSize + mw) * patchSize;
                        int at = row * patchDim;
                        for (int c = 0; c < 3; c++) {
                            for (int t = 0; t < temporalPatchSize; t++) {
                                for (int py = 0; py < patchSize; py++) {
                                    System.arraycopy(chw, c * h * w + (py0 + py) * w + px0, out, at, patchSize);
                                    at += patchSize;
                                }
                            }
                        }
                        row++;
                    }
                }
            }
        }
        return new Result(resized, out, gh * gw, patchDim, new long[] {1, gh, gw});
    }

    private float[] normalize(RgbImage img) {
        int hw = img.width() * img.height();
        float[] chw = new float[3 * hw];
        byte[] src = img.hwc();
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c];
            float s = (float) std[c];
            for (int i = 0; i < hw; i++) {
                int u8 = src[i * 3 + c] & 0xff;
                float x = doRescale ? (float) (u8 * rescaleFactor) : u8;
                chw[c * hw + i] = doNormalize ? (x - m) / s : x;
            }
        }
        return chw;
    }
}
