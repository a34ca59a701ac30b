package sinkscope.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sinkscope.data.ImageDecoder;
import sinkscope.data.PromptTemplate;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;
import sinkscope.model.SafeTensors;
import sinkscope.model.auto.Families;

/**
 * The flags of the commands that load a model in this JVM (a picocli mixin): the model, its device, the prompt and the
 * image processing. {@link #sample} adds the one image of generate, inspect and ablate.
 */
public final class ModelFlags {
    /** The default question of the one-sample commands. */
    static final String DEFAULT_QUESTION = "What is shown in this image?";

    @Option(names = "--model", paramLabel = "DIR", order = 30, description = "model folder: config.json, safetensors, tokenizer (default: the bundled tiny LLaVA)")
    Path model;
    @Option(names = "--vision-tower", paramLabel = "DIR", order = 31, description = "CLIP folder of an original-layout LLaVA checkpoint (default: its mm_vision_tower)")
    Path visionTower;
    @Option(names = "--prompt", paramLabel = "TEXT", order = 32,
            description = "the whole prompt, image placeholder included (default: '" + DEFAULT_QUESTION + "' in the checkpoint's conversation format)")
    String prompt;
    @Option(names = "--image-mode", paramLabel = "crop|pad", order = 33, description = "LLaVA's image preprocessing (default: the checkpoint's)")
    String imageMode;
    @Option(names = "--min-pixels", paramLabel = "INT", order = 34, defaultValue = "0", description = "Qwen2-VL: least image pixels, 0 = the processor's (default: ${DEFAULT-VALUE})")
    int minPixels;
    @Option(names = "--max-pixels", paramLabel = "INT", order = 35, defaultValue = "0", description = "Qwen2-VL: most image pixels, 0 = the processor's (default: ${DEFAULT-VALUE})")
    int maxPixels;
    @Mixin
    DeviceFlags device;

    /** The default prompt of the one-sample commands: the default question in the checkpoint's conversation format. */
    static String defaultPrompt(Lmm model) {
        return PromptTemplate.of(model.defaultTemplate(), Families.templates()).render(DEFAULT_QUESTION);
    }

    /** {@code --vision-tower DIR}: the CLIP directory of an original-layout LLaVA checkpoint (null: its mm_vision_tower). */
    static void visionTower(Path dir) {
        if (dir != null) {
            Families.visionTower(dir);
        }
    }

    /** The model folder (the bundled model when --model is absent), with --vision-tower registered. */
    Path modelDir() {
        visionTower(visionTower);
        return model == null ? sinkscope.model.BundledModel.path() : model;
    }

    /** {@code --image-mode crop|pad} (LLaVA), {@code --min-pixels N}, {@code --max-pixels N} (Qwen2-VL). */
    ImageOptions imageOptions() {
        if (imageMode != null && !imageMode.equals("crop") && !imageMode.equals("pad")) {
            throw new UsageException("--image-mode expects crop or pad, got '" + imageMode + "'");
        }
        return new ImageOptions(imageMode, minPixels, maxPixels);
    }

    /**
     * One sample's model and inputs: {@code image} or {@code pixelValues} (with {@code image_grid_thw} in the file for
     * dynamic-resolution models); {@code promptRequired} makes {@code --prompt} required. Configures the engine and
     * checks the weights fit the device.
     */
    Sample sample(Path image, Path pixelValues, boolean promptRequired) {
        device.configureThreads();
        Path dir = modelDir();
        if (promptRequired && prompt == null) {
            throw new UsageException("missing --prompt");
        }
        Device d = device.device();
        ai.djl.ndarray.types.DataType dtype = device.dtype(d);
        ModelConfig config = Families.config(dir);
        sinkscope.model.DeviceCheck.requireFits(d, sinkscope.model.DeviceCheck.weightBytes(config.parameterCount(), dtype), dir.toString());
        return new Sample(dir, prompt, image, pixelValues, imageOptions(), d, dtype, config);
    }

    /** One model and one image + prompt, as generate, inspect and ablate take them. */
    record Sample(Path modelDir, String prompt, Path image, Path pixelValues, ImageOptions imageOptions, Device device,
            ai.djl.ndarray.types.DataType dtype, ModelConfig config) {

        Lmm load() {
            return Families.load(modelDir, device, dtype);
        }

        /** The prompt and image encoded: from {@code --pixel-values FILE} or from the decoded {@code --image}. */
        Inputs inputs(NDManager m, Lmm model) {
            String text = prompt == null ? defaultPrompt(model) : prompt;
            if (pixelValues != null) {
                try (SafeTensors st = SafeTensors.open(pixelValues)) {
                    String name = st.contains("pixel_values") ? "pixel_values" : st.entries().keySet().iterator().next();
                    NDArray p = st.load(m, name);
                    // Qwen2-VL: image_grid_thw; LLaVA-NeXT: image_sizes (height, width) of the original image
                    long[] grid = st.contains("image_grid_thw") ? st.longs("image_grid_thw") : st.contains("image_sizes") ? st.longs("image_sizes") : null;
                    if (p.getShape().dimension() == 3) {
                        p = p.expandDims(0);
                    }
                    return model.encode(m, text, p, grid);
                }
            }
            if (image == null) {
                throw new UsageException("give --image FILE or --pixel-values FILE.safetensors");
            }
            return model.encode(m, text, new ImageDecoder().decode(image), imageOptions);
        }
    }

    /** {@code --image} and {@code --pixel-values}: the one image of generate, inspect and ablate (a picocli mixin). */
    public static final class ImageFlags {
        @Option(names = "--image", paramLabel = "FILE", order = 20, description = "the image (png, jpg, bmp, gif)")
        Path image;
        @Option(names = "--pixel-values", paramLabel = "FILE", order = 21,
                description = "preprocessed pixels instead of --image: safetensors with pixel_values (and image_grid_thw or image_sizes)")
        Path pixelValues;
    }
}
