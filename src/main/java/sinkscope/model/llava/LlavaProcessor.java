package sinkscope.model.llava;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import sinkscope.model.clip.ClipImageProcessor;
import sinkscope.model.clip.ImageProcessorConfig;
import sinkscope.model.clip.LlavaTokenizer;

/**
 * LlavaProcessor: the checkpoint's tokenizer and CLIP image processor together, as Hugging Face pairs them. A
 * checkpoint without {@code preprocessor_config.json} gets CLIPImageProcessor's defaults at the vision tower's
 * image size.
 */
public final class LlavaProcessor implements AutoCloseable {
    private final LlavaTokenizer tokenizer;
    private final ClipImageProcessor images;

    public LlavaProcessor(LlavaTokenizer tokenizer, ClipImageProcessor images) {
        this.tokenizer = tokenizer;
        this.images = images;
    }

    public static LlavaProcessor load(Path dir, LlavaConfig config) {
        return load(dir, dir, config);
    }

    /**
     * The tokenizer of {@code dir} and the image processor of {@code imagesDir} (the CLIP directory of an original-layout
     * checkpoint, whose tokenizer splits the prompt at {@code <image>} as LLaVA's code does).
     */
    public static LlavaProcessor load(Path dir, Path imagesDir, LlavaConfig config) {
        ImageProcessorConfig ic = ImageProcessorConfig.forTower(imagesDir, config.vision().imageSize());
        LlavaTokenizer tok = config.original() != null ? LlavaTokenizer.loadSplitting(dir, config.imageTokenIndex())
                : LlavaTokenizer.load(dir, config.imageTokenIndex());
        return new LlavaProcessor(tok, new ClipImageProcessor(ic));
    }

    public LlavaTokenizer tokenizer() {
        return tokenizer;
    }

    public ClipImageProcessor images() {
        return images;
    }

    public long[] encode(String prompt) {
        return tokenizer.encode(prompt);
    }

    /** Pixel values [1, 3, S, S] of {@code image} in {@code mode}. */
    public NDArray pixelValues(NDManager m, BufferedImage image, ClipImageProcessor.Mode mode) {
        return images.pixelValues(m, image, mode);
    }

    public String decode(long[] ids) {
        return tokenizer.decode(ids);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
