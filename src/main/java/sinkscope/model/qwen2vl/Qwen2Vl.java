package sinkscope.model.qwen2vl;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.Encoding;
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
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import sinkscope.model.Checkpoint;
import sinkscope.model.CheckpointException;
import sinkscope.model.HfTokenizer;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.LlamaModel;
import sinkscope.model.Lmm;
import sinkscope.model.Merged;
import sinkscope.model.RgbImage;
import sinkscope.model.Weights;

/**
 * Qwen2VLForConditionalGeneration / Qwen2_5_VLForConditionalGeneration: the vision transformer with its patch merger,
 * the Qwen2 decoder (q/k/v biases, GQA, RMSNorm, SwiGLU, multimodal rotary), greedy generation with a KV cache.
 *
 * <p>The prompt holds one {@code <|image_pad|>} per merged patch (the processor expands the one in the template to
 * {@code gh gw / m^2}); their embeddings are replaced by the merger's features in grid order, so the image rows
 * {@code [s, s + N)} form an {@code (gh/m) x (gw/m)} grid. Position ids (HF's {@code get_rope_index}): text before
 * the image at {@code 0..s-1} on all three rows; image token {@code (r, c)} at {@code (s, s + r, s + c)}; text after
 * it continues from {@code s + max(gh, gw) / m}. A decode step at cache position {@code p} turns all three rows by
 * {@code p + delta} with {@code delta = max(position) + 1 - S}.
 *
 * <p>Weights are read under transformers 5's names ({@code model.visual.*}, {@code model.language_model.*},
 * {@code lm_head.*}) or the released checkpoints' ({@code visual.*}, {@code model.*}).
 */
public final class Qwen2Vl implements Lmm {
    private final NDManager manager;
    private final Qwen2VlConfig config;
    private final Qwen2VisionTransformer vision;
    private final LlamaModel language;
    private final Qwen2VlImageProcessor images;
    private final HuggingFaceTokenizer tokenizer;
    private final Set<Integer> eos;
    private final Device device;
    private final DataType dtype;

    private Qwen2Vl(NDManager manager, Qwen2VlConfig config, Qwen2VisionTransformer vision, LlamaModel language, Qwen2VlImageProcessor images,
            HuggingFaceTokenizer tokenizer, Set<Integer> eos, Device device, DataType dtype) {
        this.manager = manager;
        this.config = config;
        this.vision = vision;
        this.language = language;
        this.images = images;
        this.tokenizer = tokenizer;
        this.eos = eos;
        this.device = device;
        this.dtype = dtype;
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

    public static Qwen2Vl load(Path dir, Device device, DataType dtype) {
        Qwen2VlConfig config = Qwen2VlConfig.load(Checkpoint.configFile(dir));
        Qwen2VlImageProcessor images = Qwen2VlImageProcessor.load(dir.resolve("preprocessor_config.json"), config.vision());
        HuggingFaceTokenizer tokenizer = tokenizer(dir, config);
        try (Checkpoint ck = Checkpoint.open(dir, Qwen2Vl::aliases)) {
            return create(config, ck, images, tokenizer, HfTokenizer.eosIds(dir, config.text()), device, dtype);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** A model of {@code config} from {@code weights} without tokenizer or image processor (random weights for benchmarks). */
    public static Qwen2Vl create(Qwen2VlConfig config, Weights weights, Device device, DataType dtype) {
        Set<Integer> eos = new LinkedHashSet<>();
        for (int e : config.text().eosTokenIds()) {
            eos.add(e);
        }
        return create(config, weights, null, null, eos, device, dtype);
    }

    private static Qwen2Vl create(Qwen2VlConfig config, Weights weights, Qwen2VlImageProcessor images, HuggingFaceTokenizer tokenizer,
            Set<Integer> eos, Device device, DataType dtype) {
        NDManager m = NDManager.newBaseManager(device);
        m.setName(config.modelType());
        try {
            Qwen2VisionTransformer vision = Qwen2VisionTransformer.load(weights, m, config, "model.visual.", dtype, device);
            LlamaModel language = LlamaModel.load(weights, m, config.text(), dtype, device, "model.language_model.", "lm_head");
            return new Qwen2Vl(m, config, vision, language, images, tokenizer, eos, device, dtype);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static HuggingFaceTokenizer tokenizer(Path dir, Qwen2VlConfig config) {
        HuggingFaceTokenizer tok = HfTokenizer.load(dir, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        long[] pad = tok.encode("<|image_pad|>").getIds();
        if (pad.length != 1 || pad[0] != config.imageTokenId()) {
            tok.close();
            throw CheckpointException.of(dir.resolve("tokenizer.json"), "<|image_pad|> encodes to " + Arrays.toString(pad)
                    + " but config.json's image_token_id is " + config.imageTokenId());
        }
        return tok;
    }

    @Override
    public Qwen2VlConfig config() {
        return config;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public DataType dtype() {
        return dtype;
    }

    @Override
    public int liveArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public NDManager newSampleManager() {
        return manager.newSubManager();
    }

    @Override
    public LlamaModel language() {
        return language;
    }

    public Qwen2VisionTransformer vision() {
        return vision;
    }

    public Qwen2VlImageProcessor imageProcessor() {
        return images;
    }

    @Override
    public String defaultTemplate() {
        return config.defaultTemplate();
    }

    @Override
    public String imagePlaceholder() {
        return "<|image_pad|>";
    }

    @Override
    public Inputs encode(NDManager m, String prompt, BufferedImage image, ImageOptions options) {
        if (options.mode() != null) {
            throw new IllegalArgumentException("--image-mode applies to LLaVA-1.5; " + config.modelType() + " sees the whole image at dynamic resolution");
        }
        if (image == null) {
            return new Inputs(tokens(prompt, 0), null, null, 0, 0, 0, 0, options);
        }
        if (images == null) {
            throw new IllegalStateException("this model was built from weights without a checkpoint directory: it has no image processor");
        }
        Qwen2VlImageProcessor.Result r = images.withPixels(options.minPixels(), options.maxPixels()).process(RgbImage.of(image));
        NDArray pixels = m.create(r.pixelValues(), new Shape(r.patches(), r.patchDim()));
        return inputs(prompt, pixels, r.gridThw(), image.getWidth(), image.getHeight(), options);
    }

    @Override
    public Inputs encode(NDManager m, String prompt, NDArray pixelValues, long[] imageGridThw) {
        if (imageGridThw == null || imageGridThw.length != 3) {
            throw new IllegalArgumentException(config.modelType() + " needs image_grid_thw [t, h, w] beside pixel_values");
        }
        return inputs(prompt, pixelValues, imageGridThw, 0, 0, ImageOptions.DEFAULT);
    }

    private Inputs inputs(String prompt, NDArray pixels, long[] grid, int width, int height, ImageOptions options) {
        int mm = config.vision().spatialMergeSize();
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
            if (ids[i] == config.imageTokenId()) {
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
        Arrays.fill(out, at, at + n, config.imageTokenId());
        System.arraycopy(ids, at + 1, out, at + n, ids.length - at - 1);
        return out;
    }

    private HuggingFaceTokenizer tokenizer() {
        if (tokenizer == null) {
            throw new IllegalStateException("this model was built from weights without a checkpoint directory: it has no tokenizer");
        }
        return tokenizer;
    }

    @Override
    public NDArray imageFeatures(NDManager m, Inputs inputs) {
        return visionOutput(m, inputs, false).features();
    }

    /** The tower's output for {@code inputs}, attached to {@code m} (with {@code keepStates}: every block's output). */
    public Qwen2VisionTransformer.Output visionOutput(NDManager m, Inputs inputs, boolean keepStates) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Qwen2VisionTransformer.Output out = vision.forward(inputs.pixelValues(), inputs.imageGridThw(), keepStates);
            NDScope.unregister(out.features());
            out.features().attach(m);
            if (keepStates) {
                NDScope.unregister(out.patchEmbeddings());
                out.patchEmbeddings().attach(m);
                for (NDArray a : out.blockOutputs()) {
                    NDScope.unregister(a);
                    a.attach(m);
                }
            }
            return out;
        }
    }

    @Override
    public Merged merge(NDManager m, Inputs inputs, NDArray features) {
        long[] ids = inputs.inputIds();
        int start = -1;
        int end = -1;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == config.imageTokenId()) {
                if (start < 0) {
                    start = i;
                } else if (end >= 0) {
                    throw new IllegalArgumentException("the image's " + imagePlaceholder() + " tokens are not one run");
                }
            } else if (start >= 0 && end < 0) {
                end = i;
            }
            if (ids[i] != config.imageTokenId() && (ids[i] < 0 || ids[i] >= config.text().vocabSize())) {
                throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary of " + config.text().vocabSize());
            }
        }
        if (start >= 0 && end < 0) {
            end = ids.length;
        }
        int n = start < 0 ? 0 : end - start;
        if ((features == null) != (n == 0) || (features != null && features.getShape().get(0) != n)) {
            throw new IllegalArgumentException("the prompt has " + n + " " + imagePlaceholder() + " tokens but the image has "
                    + (features == null ? 0 : features.getShape().get(0)) + " features");
        }
        long[][] positions = positionIds(ids.length, start, inputs.gridRows(), inputs.gridCols());
        long max = 0;
        for (long[] row : positions) {
            for (long p : row) {
                max = Math.max(max, p);
            }
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray embeds = language.embed(m.create(ids).toDevice(device, false));
            if (n > 0) {
                NDArray img = features.toType(embeds.getDataType(), false).toDevice(device, false);
                embeds = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(embeds.get(new NDIndex("0:{}", start)), img,
                        embeds.get(new NDIndex("{}:", end))), 0);
            }
            embeds = embeds.expandDims(0);
            NDScope.unregister(embeds);
            embeds.attach(m);
            return new Merged(embeds, start, n == 0 ? -1 : end, positions, (int) (max + 1 - ids.length));
        }
    }

    /** HF's {@code get_rope_index} for one prompt with (or without: {@code start < 0}) one image of {@code rows x cols} tokens. */
    public static long[][] positionIds(int length, int start, int rows, int cols) {
        long[][] p = new long[3][length];
        int n = start < 0 ? 0 : rows * cols;
        for (int i = 0; i < length; i++) {
            if (start < 0 || i < start) {
                p[0][i] = p[1][i] = p[2][i] = i;
            } else if (i < start + n) {
                int k = i - start;
                p[0][i] = start;
                p[1][i] = start + k / cols;
                p[2][i] = start + k % cols;
            } else {
                long at = start + Math.max(rows, cols) + (i - start - n);
                p[0][i] = p[1][i] = p[2][i] = at;
            }
        }
        return p;
    }

    @Override
    public boolean isEos(long id) {
        return eos.contains((int) id);
    }

    @Override
    public String decodeText(long[] ids) {
        return tokenizer().decode(ids, true);
    }

    /** Token ids of {@code text} as the checkpoint's tokenizer gives them (no special tokens added). */
    public long[] tokenize(String text) {
        Encoding e = tokenizer().encode(text);
        return e.getIds();
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

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
        manager.close();
    }
}
