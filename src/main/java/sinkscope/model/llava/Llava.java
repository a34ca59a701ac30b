package sinkscope.model.llava;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import sinkscope.model.AttentionHook;
import sinkscope.model.Checkpoint;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.ImageLayout;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.KvCache;
import sinkscope.model.Weights;
import sinkscope.model.clip.ClipImageProcessor;
import sinkscope.model.clip.ClipLmm;
import sinkscope.model.clip.ClipLmmConfig;

/**
 * LlavaForConditionalGeneration: CLIP vision tower, projector, LLaMA decoder, greedy generation with a KV cache.
 *
 * <p>The single {@code <image>} id in the prompt is replaced by the projected image features, so the merged
 * sequence is {@code ids[:i] ++ features ++ ids[i+1:]} with the image rows at {@code [i, i + N)}; positions are
 * {@code 0..S-1} and attention is causal over the merged sequence.
 *
 * <p>Thread-safety: weights are read-only, so several threads may run samples at once, each with its own
 * {@link NDManager} and {@link KvCache}.
 */
public final class Llava extends ClipLmm {
    private final LlavaConfig config;
    private final java.util.Map<String, NDArray> parameters;
    private LlavaProcessor processor; // null for a model built from random weights

    private Llava(NDManager manager, LlavaConfig config, ClipLmm.Parts parts, Device device, DataType dtype, java.util.Map<String, NDArray> parameters) {
        super(manager, config.clip(), parts, device, dtype);
        this.parameters = java.util.Collections.unmodifiableMap(parameters);
        this.config = config;
    }

    /**
     * Loads the weights of {@code dir} onto {@code device} in {@code dtype} (fp32 on CPU, fp16 on GPU usually). The
     * original layout ({@code LlavaLlamaForCausalLM}): LLaMA and projector ({@code model.mm_projector.0/2}) from
     * {@code dir}, the vision tower ({@code vision_model.*}) and the CLIP preprocessor from the separate CLIP directory,
     * the tokenizer used as {@code tokenizer_image_token}.
     */
    public static Llava load(Path dir, Device device, DataType dtype) {
        LlavaConfig config = LlavaConfig.load(dir.resolve("config.json"));
        Path tower = config.original() != null ? config.original().visionTower() : dir;
        LlavaProcessor processor = LlavaProcessor.load(dir, tower, config);
        java.util.function.Function<String, String[]> clipNames = n -> n.startsWith("vision_tower.vision_model.")
                ? new String[] {n.substring("vision_tower.".length()), n.substring("vision_tower.vision_model.".length())}
                : new String[0];
        try (Checkpoint lm = Checkpoint.open(dir, config.original() != null ? LlavaConfig::originalAliases : ClipLmmConfig::aliases);
                Checkpoint clip = config.original() != null ? Checkpoint.open(tower, clipNames) : null) {
            Weights weights = clip == null ? lm : new Weights() {
                @Override
                public NDArray load(NDManager m, String name, DataType dt, Device dev, long... shape) {
                    return (name.startsWith("vision_tower.") ? clip : lm).load(m, name, dt, dev, shape);
                }

                @Override
                public boolean has(String name) {
                    return (name.startsWith("vision_tower.") ? clip : lm).has(name);
                }
            };
            Llava model = create(config, weights, device, dtype);
            model.processor = processor;
            model.attach(processor, processor.tokenizer().tokenizer(), null);
            return model;
        } catch (RuntimeException e) {
            processor.close();
            throw e;
        }
    }

    /** Builds the model of {@code config} from {@code weights} (a checkpoint, or random weights for benchmarks). */
    public static Llava create(LlavaConfig config, Weights weights, Device device, DataType dtype) {
        java.util.Map<String, NDArray> loaded = new java.util.LinkedHashMap<>();
        Weights recording = new Weights() {
            @Override
            public NDArray load(NDManager mm, String name, DataType dt, Device dev, long... shape) {
                NDArray a = weights.load(mm, name, dt, dev, shape);
                loaded.put(name, a);
                return a;
            }

            @Override
            public boolean has(String name) {
                return weights.has(name);
            }
        };
        return build(device, "llava", m -> {
            ClipLmm.Parts parts = ClipLmm.Parts.load(recording, m, config.clip(), dtype, device);
            loaded.putAll(parts.language().stackedParts(DECODER_NAMES));
            return new Llava(m, config, parts, device, dtype, loaded);
        });
    }

    @Override
    public LlavaConfig config() {
        return config;
    }

    /** The checkpoint's tokenizer and image processor (absent for a model built from random weights). */
    public LlavaProcessor processor() {
        return present(processor, "tokenizer or image processor");
    }

    @Override
    public Inputs encode(NDManager m, String prompt, java.awt.image.BufferedImage image, ImageOptions options) {
        String m0 = options.mode() != null ? options.mode() : config.original() != null ? config.original().imageAspectRatio() : "crop";
        ClipImageProcessor.Mode mode = "pad".equals(m0) ? ClipImageProcessor.Mode.PAD : ClipImageProcessor.Mode.CROP;
        if (options.minPixels() > 0 || options.maxPixels() > 0) {
            throw new IllegalArgumentException("min/max pixels apply to dynamic-resolution models; LLaVA-1.5 resizes to "
                    + config.vision().imageSize() + " px");
        }
        NDArray pixels = image == null ? null : processor().pixelValues(m, image, mode);
        int g = config.vision().gridSize();
        int w = image == null ? 0 : image.getWidth();
        int h = image == null ? 0 : image.getHeight();
        ImageLayout.Region picture = mode == ClipImageProcessor.Mode.PAD ? ImageLayout.Region.paddedSquare(w, h) : ImageLayout.Region.centreSquare(w, h);
        return new Inputs(processor().encode(prompt), pixels, null, g, g, w, h, new ImageOptions(mode == ClipImageProcessor.Mode.PAD ? "pad" : "crop", 0, 0),
                ImageLayout.grid(g, g, picture));
    }

    @Override
    public Inputs encode(NDManager m, String prompt, NDArray pixelValues, long[] imageGridThw) {
        int g = config.vision().gridSize();
        return new Inputs(processor().encode(prompt), pixelValues, null, g, g, 0, 0, ImageOptions.DEFAULT);
    }

    /** Token ids with one {@code <image>} and pixel values [1, 3, S, S] as {@link Inputs} (no tokenizer needed). */
    public Inputs inputs(long[] ids, NDArray pixels) {
        int g = config.vision().gridSize();
        return new Inputs(ids, pixels, null, g, g, 0, 0, ImageOptions.DEFAULT);
    }

    /** Greedy generation from token ids and pixel values [1, 3, S, S] (null: no image). */
    public Generation generate(NDManager m, long[] ids, NDArray pixels, GenerateOptions opts, AttentionHook hook) {
        return generate(m, inputs(ids, pixels), opts, hook);
    }

    @Override
    public NDArray imageFeatures(NDManager m, Inputs inputs) {
        return imageFeatures(m, inputs.pixelValues()).get(0);
    }

    @Override
    public boolean[] objectPatches(Inputs inputs, double[] box) {
        if (inputs.width() <= 0) {
            throw new IllegalArgumentException("object boxes need the original image size");
        }
        ClipImageProcessor.Mode mode = "pad".equals(inputs.options().mode()) ? ClipImageProcessor.Mode.PAD : ClipImageProcessor.Mode.CROP;
        return PatchGeometry.objectPatches(inputs.width(), inputs.height(), mode, processor().images().config().cropHeight(),
                config.vision().patchSize(), box);
    }

    /**
     * Every parameter by its v4.41 llava-hf module path ({@code language_model.model.layers.0.self_attn.q_proj.weight},
     * ...), in load order: what a trainer updates and what a checkpoint writer saves.
     */
    public java.util.Map<String, NDArray> parameters() {
        return parameters;
    }
}
