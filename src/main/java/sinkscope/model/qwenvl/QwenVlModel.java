package sinkscope.model.qwenvl;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import sinkscope.model.Checkpoint;
import sinkscope.model.CheckpointException;
import sinkscope.model.DecoderNames;
import sinkscope.model.HfTokenizer;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.LlamaModel;
import sinkscope.model.LmmBase;
import sinkscope.model.Merged;
import sinkscope.model.RgbImage;
import sinkscope.model.Weights;

/**
 * What Qwen2-VL, Qwen2.5-VL and Qwen3-VL share around their towers: the tokenizer with its {@code <|image_pad|>}
 * check, the EOS ids, the processor ({@link QwenVlImageProcessor}), the prompt's one {@code <|image_pad|>} expanded to
 * one token per merged patch, the merge of the image features into the embeddings and the multimodal position ids.
 *
 * <p>The prompt holds one {@code <|image_pad|>} per merged patch (the processor expands the one in the template to
 * {@code gh gw / m^2}); their embeddings are replaced by the tower's features in grid order, so the image rows
 * {@code [s, s + N)} form an {@code (gh/m) x (gw/m)} grid. Position ids (HF's {@code get_rope_index}): text before
 * the image at {@code 0..s-1} on all three rows; image token {@code (r, c)} at {@code (s, s + r, s + c)}; text after
 * it continues from {@code s + max(gh, gw) / m}. A decode step at cache position {@code p} turns all three rows by
 * {@code p + delta} with {@code delta = max(position) + 1 - S}. Video input ({@code <|video_pad|>}, {@code t > 1}) is
 * refused.
 *
 * <p>A family's {@link #imageFeatures} gives [N, D], or [1 + k, N, D] when its tower also feeds k decoder layers
 * (Qwen3-VL's DeepStack): {@link #merge} then puts the first in the image rows and hands the other k to the prefill as
 * {@link Merged#imageAdditions()}.
 */
public abstract class QwenVlModel<C extends QwenVlConfig> extends LmmBase {
    private final C config;
    private final QwenVlImageProcessor images;
    private final int imageTokenId;
    private final int videoTokenId;
    private final int mergeSize;

    /** What a checkpoint directory adds to the weights: the image processor, the tokenizer and the EOS ids. */
    protected record Processing(QwenVlImageProcessor images, HuggingFaceTokenizer tokenizer, Set<Integer> eos) {}

    /**
     * How a family makes its model (its constructor) from a fresh manager, its config, the weights and the checkpoint's
     * processing (null: weights alone).
     */
    protected interface Parts<C, T> {
        T build(NDManager manager, C config, Weights weights, Processing processing, Device device, DataType dtype);
    }

    /**
     * The decoder of {@code config} from {@code weights} under transformers 5's names ({@code model.language_model.*},
     * {@code lm_head}), and {@code processing} (null for a model built from weights alone).
     */
    protected QwenVlModel(NDManager manager, C config, Weights weights, Processing processing, Device device, DataType dtype) {
        super(manager, LlamaModel.load(weights, manager, config.text(), dtype, device, DecoderNames.hf("model.language_model.", "lm_head")), device, dtype);
        if (processing != null) {
            attach(processing.tokenizer(), processing.tokenizer(), processing.eos());
        }
        this.config = config;
        this.images = processing == null ? null : processing.images();
        this.imageTokenId = config.imageTokenId();
        this.videoTokenId = config.videoTokenId();
        this.mergeSize = config.vision().spatialMergeSize();
    }

    /**
     * The model of checkpoint directory {@code dir}: {@code preprocessor_config.json} checked against the tower's
     * patch, frame and merge sizes, {@code tokenizer.json} checked against {@code image_token_id}, the EOS ids of the
     * config and {@code generation_config.json}, the safetensors under either naming ({@link #aliases}).
     */
    protected static <C extends QwenVlConfig, T extends QwenVlModel<C>> T load(Path dir, C config, Device device, DataType dtype, Parts<C, T> parts) {
        QwenVlImageProcessor images = QwenVlImageProcessor.load(dir.resolve("preprocessor_config.json"), config.vision());
        HuggingFaceTokenizer tokenizer = tokenizer(dir, config.imageTokenId());
        try (Checkpoint ck = Checkpoint.open(dir, QwenVlModel::aliases)) {
            Processing processing = new Processing(images, tokenizer, HfTokenizer.eosIds(dir, config.text()));
            return build(device, config.modelType(), m -> parts.build(m, config, ck, processing, device, dtype));
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** The model from {@code weights} alone (no tokenizer or image processor: random weights for benchmarks). */
    protected static <C extends QwenVlConfig, T extends QwenVlModel<C>> T create(C config, Weights weights, Device device, DataType dtype, Parts<C, T> parts) {
        return build(device, config.modelType(), m -> parts.build(m, config, weights, null, device, dtype));
    }

    /** The family's config. */
    @Override
    public C config() {
        return config;
    }

    /** The other names a weight is stored under: released checkpoints' {@code visual.*} and {@code model.*}. */
    public static String[] aliases(String name) {
        if (name.startsWith("model.visual.")) {
            return new String[] {"visual." + name.substring("model.visual.".length())};
        }
        if (name.startsWith("model.language_model.")) {
            return new String[] {"model." + name.substring("model.language_model.".length())};
        }
        return new String[0];
    }

    /** {@code dir}'s tokenizer ({@link HfTokenizer}), its {@code <|image_pad|>} checked against {@code image_token_id}. */
    public static HuggingFaceTokenizer tokenizer(Path dir, int imageTokenId) {
        HuggingFaceTokenizer tok = HfTokenizer.load(dir, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        long[] pad = tok.encode("<|image_pad|>").getIds();
        if (pad.length != 1 || pad[0] != imageTokenId) {
            tok.close();
            throw CheckpointException.of(dir.resolve("tokenizer.json"), "<|image_pad|> encodes to " + Arrays.toString(pad)
                    + " but config.json's image_token_id is " + imageTokenId);
        }
        return tok;
    }

    public QwenVlImageProcessor imageProcessor() {
        return images;
    }

    @Override
    public String imagePlaceholder() {
        return "<|image_pad|>";
    }

    @Override
    public Inputs encode(NDManager m, String prompt, BufferedImage image, ImageOptions options) {
        if (options.mode() != null) {
            throw new IllegalArgumentException("--image-mode applies to LLaVA-1.5; " + config().modelType() + " sees the whole image at dynamic resolution");
        }
        if (image == null) {
            return new Inputs(tokens(prompt, 0), null, null, 0, 0, 0, 0, options);
        }
        QwenVlImageProcessor.Result r = present(images, "image processor").withPixels(options.minPixels(), options.maxPixels()).process(RgbImage.of(image));
        NDArray pixels = m.create(r.pixelValues(), new Shape(r.patches(), r.patchDim()));
        return inputs(prompt, pixels, r.gridThw(), image.getWidth(), image.getHeight(), options);
    }

    @Override
    public Inputs encode(NDManager m, String prompt, NDArray pixelValues, long[] imageGridThw) {
        if (imageGridThw == null || imageGridThw.length != 3) {
            throw new IllegalArgumentException(config().modelType() + " needs image_grid_thw [t, h, w] beside pixel_values");
        }
        return inputs(prompt, pixelValues, imageGridThw, 0, 0, ImageOptions.DEFAULT);
    }

    private Inputs inputs(String prompt, NDArray pixels, long[] grid, int width, int height, ImageOptions options) {
        int mm = mergeSize;
        if (grid[1] % mm != 0 || grid[2] % mm != 0) {
            throw new IllegalArgumentException("image_grid_thw " + Arrays.toString(grid) + " is not a multiple of spatial_merge_size " + mm);
        }
        int rows = (int) (grid[1] / mm);
        int cols = (int) (grid[2] / mm);
        return new Inputs(tokens(prompt, (int) grid[0] * rows * cols), pixels, grid, rows, cols, width, height, options);
    }

    /** The prompt's ids with its one {@code <|image_pad|>} repeated {@code n} times (none without image). */
    private long[] tokens(String prompt, int n) {
        long[] ids = tokenizer().encode(prompt).getIds();
        int at = -1;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == videoTokenId) {
                throw new IllegalArgumentException("video input (<|video_pad|>, id " + videoTokenId + ") is not supported: still images only");
            }
            if (ids[i] == imageTokenId) {
                if (at >= 0) {
                    throw new IllegalArgumentException("prompt has more than one " + imagePlaceholder());
                }
                at = i;
            }
        }
        if ((at >= 0) != (n > 0)) {
            throw new IllegalArgumentException(at >= 0 ? "prompt has an image placeholder but no image was given"
                    : "an image was given but the prompt has no " + imagePlaceholder() + " placeholder");
        }
        if (at < 0) {
            return ids;
        }
        long[] out = new long[ids.length - 1 + n];
        System.arraycopy(ids, 0, out, 0, at);
        Arrays.fill(out, at, at + n, imageTokenId);
        System.arraycopy(ids, at + 1, out, at + n, ids.length - at - 1);
        return out;
    }

    @Override
    public Merged merge(NDManager m, Inputs inputs, NDArray features) {
        long[] ids = inputs.inputIds();
        int start = -1;
        int end = -1;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == imageTokenId) {
                if (start < 0) {
                    start = i;
                } else if (end >= 0) {
                    throw new IllegalArgumentException("the image's " + imagePlaceholder() + " tokens are not one run");
                }
            } else if (start >= 0 && end < 0) {
                end = i;
            }
            if (ids[i] != imageTokenId && (ids[i] < 0 || ids[i] >= language.config().vocabSize())) {
                throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary of " + language.config().vocabSize());
            }
        }
        if (start >= 0 && end < 0) {
            end = ids.length;
        }
        int n = start < 0 ? 0 : end - start;
        // [N, D], or [1 + k, N, D]: the features then k additions to the image rows after decoder layers 0..k-1
        boolean stacked = features != null && features.getShape().dimension() == 3;
        long count = features == null ? 0 : features.getShape().get(stacked ? 1 : 0);
        if ((features == null) != (n == 0) || count != n) {
            throw new IllegalArgumentException("the prompt has " + n + " " + imagePlaceholder() + " tokens but the image has " + count + " features");
        }
        long[][] positions = sinkscope.model.RotaryEmbedding.multimodalPositions(ids.length, start, inputs.gridRows(), inputs.gridCols());
        long max = 0;
        for (long[] row : positions) {
            for (long p : row) {
                max = Math.max(max, p);
            }
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray embeds = language.embed(m.create(ids).toDevice(device, false));
            NDArray additions = null;
            if (n > 0) {
                NDArray img = (stacked ? features.get(0) : features).toType(embeds.getDataType(), false).toDevice(device, false);
                if (stacked && features.getShape().get(0) > 1) {
                    additions = features.get("1:").toType(embeds.getDataType(), false).toDevice(device, false);
                    NDScope.unregister(additions);
                    additions.attach(m);
                }
                embeds = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(embeds.get(new NDIndex("0:{}", start)), img,
                        embeds.get(new NDIndex("{}:", end))), 0);
            }
            embeds = embeds.expandDims(0);
            NDScope.unregister(embeds);
            embeds.attach(m);
            return new Merged(embeds, start, n == 0 ? -1 : end, positions, (int) (max + 1 - ids.length), additions);
        }
    }

    /**
     * The image tokens whose {@code (P m) x (P m)} pixel cell of the resized image has its centre inside the box, the
     * box scaled from the original image to the resized one ({@code w'/w}, {@code h'/h}); a box too small to hold a
     * centre gets the token under its centre.
     */
    @Override
    public boolean[] objectPatches(Inputs inputs, double[] box) {
        if (inputs.width() <= 0) {
            throw new IllegalArgumentException("object boxes need the original image size");
        }
        int rows = inputs.gridRows();
        int cols = inputs.gridCols();
        double sx = cols / (double) inputs.width();
        double sy = rows / (double) inputs.height();
        double x0 = box[0] * sx;
        double y0 = box[1] * sy;
        double x1 = box[2] * sx;
        double y1 = box[3] * sy;
        boolean[] on = new boolean[rows * cols];
        boolean any = false;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double cx = j + 0.5;
                double cy = i + 0.5;
                if (cx >= x0 && cx < x1 && cy >= y0 && cy < y1) {
                    on[i * cols + j] = true;
                    any = true;
                }
            }
        }
        if (!any) {
            int j = (int) Math.floor((x0 + x1) / 2);
            int i = (int) Math.floor((y0 + y1) / 2);
            if (i >= 0 && i < rows && j >= 0 && j < cols) {
                on[i * cols + j] = true;
            }
        }
        return on;
    }

}
