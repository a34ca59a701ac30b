package sinkscope.model;

/**
 * How an image is processed, beyond what the checkpoint's preprocessor config says.
 *
 * @param mode LLaVA's {@code crop} (CLIP's shortest-edge resize and centre crop) or {@code pad} (LLaVA's
 *     expand-to-square); null for the family's default
 * @param minPixels Qwen2-VL's {@code min_pixels} override (0: the preprocessor config's)
 * @param maxPixels Qwen2-VL's {@code max_pixels} override (0: the preprocessor config's)
 */
public record ImageOptions(String mode, int minPixels, int maxPixels) {
    public static final ImageOptions DEFAULT = new ImageOptions(null, 0, 0);

    public ImageOptions {
        if (mode != null && !mode.equals("crop") && !mode.equals("pad")) {
            throw new IllegalArgumentException("image mode must be crop or pad, got '" + mode + "'");
        }
        if (minPixels < 0 || maxPixels < 0 || (minPixels > 0 && maxPixels > 0 && minPixels > maxPixels)) {
            throw new IllegalArgumentException("min_pixels " + minPixels + " / max_pixels " + maxPixels + " must be >= 0 with min <= max");
        }
    }

    public static ImageOptions mode(String mode) {
        return new ImageOptions(mode, 0, 0);
    }
}
