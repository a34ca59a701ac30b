package sinkscope.model;

import ai.djl.ndarray.NDArray;

/**
 * One prompt and image as the model's processor encodes them.
 *
 * @param inputIds the prompt's token ids as Hugging Face's processor returns them (LLaVA: one {@code <image>} id;
 *     Qwen2-VL: the {@code <|image_pad|>} id repeated once per merged patch)
 * @param pixelValues the image processor's output (LLaVA [1, 3, S, S]; Qwen2-VL [patches, C*T*P*P]), null without image
 * @param imageGridThw Qwen2-VL's {@code image_grid_thw} {t, h, w} in patches, null for fixed-size towers
 * @param gridRows rows of image tokens in the decoder sequence
 * @param gridCols columns of image tokens
 * @param width the original image's width in pixels (0 when the pixels were given directly)
 * @param height the original image's height
 * @param options how the image was processed
 * @param layout which positions of the image span are which patches ({@link ImageLayout}); the first panel is the
 *     {@code gridRows x gridCols} grid; defaults to that grid filling the span
 */
public record Inputs(long[] inputIds, NDArray pixelValues, long[] imageGridThw, int gridRows, int gridCols, int width, int height,
        ImageOptions options, ImageLayout layout) {

    public Inputs {
        if (layout == null) {
            layout = ImageLayout.grid(gridRows, gridCols);
        }
    }

    /** Inputs whose image tokens are exactly the {@code gridRows x gridCols} grid. */
    public Inputs(long[] inputIds, NDArray pixelValues, long[] imageGridThw, int gridRows, int gridCols, int width, int height, ImageOptions options) {
        this(inputIds, pixelValues, imageGridThw, gridRows, gridCols, width, height, options, null);
    }

    /** Tokens of the image span (the grid, plus any separators and further panels of the layout). */
    public int numImageTokens() {
        return layout.length();
    }
}
