package sinkscope.model.llava;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import sinkscope.model.CheckpointException;
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
        Path pre = imagesDir.resolve("preprocessor_config.json");
        ImageProcessorConfig ic = Files.isRegularFile(pre) ? ImageProcessorConfig.load(pre) : defaults(config.vision().imageSize());
        if (ic.cropHeight() != config.vision().imageSize() || ic.cropWidth() != config.vision().imageSize()) {
            throw CheckpointException.of(pre, "crop_size " + ic.cropHeight() + "x" + ic.cropWidth() + " does not match vision_config.image_size "
                    + config.vision().imageSize());
        }
        LlavaTokenizer tok = config.original() != null ? LlavaTokenizer.loadSplitting(dir, config.imageTokenIndex())
                : LlavaTokenizer.load(dir, config.imageTokenIndex());
        return new LlavaProcessor(tok, new ClipImageProcessor(ic));
    }

    private static ImageProcessorConfig defaults(int size) {
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        com.google.gson.JsonObject edge = new com.google.gson.JsonObject();
        edge.addProperty("shortest_edge", size);
        o.add("size", edge);
        o.addProperty("crop_size", size);
        return ImageProcessorConfig.parse(Path.of("<CLIPImageProcessor defaults>"), o);
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
