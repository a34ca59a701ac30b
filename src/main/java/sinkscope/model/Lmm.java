package sinkscope.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One loaded large multimodal model with its processor (tokenizer, image processor, prompt format): the seam through
 * which commands, jobs and the sink analysis reach a family. A sample goes
 * {@code encode -> imageFeatures -> merge -> prefill -> greedy}; every array lands in the caller's manager.
 *
 * <p>The merged sequence holds the image's tokens at {@code [imageStart, imageEnd)}, a {@code gridRows x gridCols}
 * grid in row-major order (not always square); hooks see the decoder as {@link AttentionHook} describes.
 * Implementations are thread-safe for samples run at once, each with its own manager and {@link KvCache}.
 */
public interface Lmm extends AutoCloseable {

    ModelConfig config();

    Device device();

    DataType dtype();

    /** The decoder (LLaMA / Qwen2 / Mistral variant) the family's prompt runs through. */
    LlamaModel language();

    default int numLayers() {
        return language().numLayers();
    }

    /** NDArrays alive under the model's manager and its open sub-managers (weights included): a leak check. */
    int liveArrays();

    /** A fresh manager for one sample on this model's device; close it when the sample is done. */
    NDManager newSampleManager();

    /** The prompt template (a {@code PromptTemplate} name or template text) the checkpoint's conversation format uses: its config's. */
    default String defaultTemplate() {
        return config().defaultTemplate();
    }

    /** The text a prompt holds where the image goes ({@code <image>}, {@code <|image_pad|>}). */
    String imagePlaceholder();

    /** Tokenizes {@code prompt} and processes {@code image} as the checkpoint's processor does. */
    Inputs encode(NDManager m, String prompt, BufferedImage image, ImageOptions options);

    /**
     * Tokenizes {@code prompt} for stored pixel values and, for dynamic-resolution towers, their {@code image_grid_thw}
     * (Qwen2-VL) or the original image's {@code image_sizes} {@code (height, width)} (LLaVA-NeXT).
     */
    Inputs encode(NDManager m, String prompt, NDArray pixelValues, long[] imageGridThw);

    /**
     * The projected image features [N, D] that replace the image placeholder, attached to {@code m}; a tower that also
     * feeds decoder layers gives [1 + k, N, D], those features then the k additions {@link #merge} hands to the prefill
     * ({@link Merged#imageAdditions()}, Qwen3-VL's DeepStack). Callers pass them to {@link #merge} unchanged.
     */
    NDArray imageFeatures(NDManager m, Inputs inputs);

    /** Embeds the prompt and puts {@code features} (null: no image) in the image rows. */
    Merged merge(NDManager m, Inputs inputs, NDArray features);

    /** Runs the decoder over the merged prompt, filling {@code cache}; arrays returned are attached to {@code m}. */
    default Prefill prefill(NDManager m, Merged merged, KvCache cache, AttentionHook hook) {
        return language().prefill(m, merged, cache, hook);
    }

    /** One decode pass of {@code token}, decode step {@code index}; float32 logits [V] attached to {@code m}. */
    default NDArray decode(NDManager m, long token, KvCache cache, int index, Merged merged, AttentionHook hook) {
        return language().decode(m, token, cache, index, merged, hook);
    }

    /** The final norm of the decoder (HF's last {@code hidden_states} entry) on a pre-norm residual stream. */
    default NDArray norm(NDArray hidden) {
        return language().norm(hidden);
    }

    /** Logits [S, V] of every position, from the pre-norm residual stream [1, S, D] (for argmax checks). */
    default NDArray allLogits(NDManager m, NDArray lastHidden) {
        return language().allLogits(m, lastHidden);
    }

    /** Whether {@code id} ends a generation. */
    boolean isEos(long id);

    String decodeText(long[] ids);

    /**
     * Which image tokens (row-major on the {@code gridRows x gridCols} grid) an object's box {@code (x0, y0, x1, y1)}
     * in the original image's pixels covers after this model's image processing.
     */
    boolean[] objectPatches(Inputs inputs, double[] box);

    /**
     * Decoding after {@code prefill} (which filled {@code cache}) as {@code opts.decoding()} says, greedy by default;
     * the prefill's logits are consumed.
     */
    default Generation greedy(NDManager m, Merged merged, Prefill prefill, KvCache cache, GenerateOptions opts, AttentionHook hook) {
        return Generation.single(this, m, merged, prefill, cache, opts, hook, null);
    }

    /** Encoded inputs through features, merge, prefill and greedy decoding; the hook sees every pass. */
    default Generation generate(NDManager m, Inputs inputs, GenerateOptions opts, AttentionHook hook) {
        return generate(m, inputs, null, opts, hook);
    }

    /**
     * {@link #generate(NDManager, Inputs, GenerateOptions, AttentionHook)} with the image features already made
     * ({@code features} non-null: e.g. shared by the configurations of one sample, which see the same image); the
     * features stay open.
     */
    default Generation generate(NDManager m, Inputs inputs, NDArray features, GenerateOptions opts, AttentionHook hook) {
        return generate(m, inputs, features, opts, hook, null);
    }

    /**
     * {@link #generate(NDManager, Inputs, NDArray, GenerateOptions, AttentionHook)} with a second, contrast input
     * ({@link Contrast}, may be null): prefilled into its own KV cache after the main prompt (sharing the main image's
     * features when its pixel values are the same array), then decoded beside it, one more pass per step, its logits
     * joined to the main ones by the contrast's rule.
     */
    default Generation generate(NDManager m, Inputs inputs, NDArray features, GenerateOptions opts, AttentionHook hook, Contrast contrast) {
        try (NDManager sample = m.newSubManager(); KvCache cache = new KvCache(numLayers(), opts.maxNewTokens());
                KvCache side = contrast == null ? null : new KvCache(numLayers(), opts.maxNewTokens())) {
            long t0 = System.nanoTime();
            NDArray f = features != null || inputs.pixelValues() == null ? features : imageFeatures(sample, inputs);
            Merged merged = merge(sample, inputs, f);
            Prefill prefill = prefill(sample, merged, cache, hook);
            Generation.Side second = null;
            if (contrast != null) {
                Merged cm = merge(sample, contrast.inputs(), contrastFeatures(sample, inputs, f, contrast));
                second = new Generation.Side(contrast, cm, prefill(sample, cm, side, null), side);
            }
            long t1 = System.nanoTime();
            Generation g = Generation.single(this, sample, merged, prefill, cache, opts, hook, second);
            return g.withPrefillNanos(t1 - t0);
        }
    }

    /** The contrast input's image features: the main input's when both hold the same pixel values, else its own (or none). */
    private NDArray contrastFeatures(NDManager m, Inputs main, NDArray mainFeatures, Contrast contrast) {
        Inputs c = contrast.inputs();
        if (c.pixelValues() == null) {
            return null;
        }
        return c.pixelValues() == main.pixelValues() && mainFeatures != null ? mainFeatures : imageFeatures(m, c);
    }

    /**
     * Batched greedy generation ({@link BatchedPrompts}): sample {@code b}'s {@code inputs}, image {@code features}
     * (null entry: made here) and options, its hook seeing only its own passes. Each result equals what
     * {@link #generate(NDManager, Inputs, NDArray, GenerateOptions, AttentionHook)} gives that sample alone (tokens
     * exact; floats up to the batched kernels' summation order). Features given stay open.
     */
    default List<Generation> generate(NDManager m, List<Inputs> inputs, List<NDArray> features, List<GenerateOptions> opts, List<AttentionHook> hooks) {
        return generate(m, inputs, features, opts, hooks, null);
    }

    /**
     * Batched generation with a contrast input per sample ({@code contrasts} null, or an entry null: none): the
     * contrast prompts join the batch as rows of their own (their own cache rows, left-padded like the others), so
     * each step is one forward over the main and contrast rows. Each result equals what
     * {@link #generate(NDManager, Inputs, NDArray, GenerateOptions, AttentionHook, Contrast)} gives that sample alone
     * (tokens exact; floats up to the batched kernels' summation order).
     */
    default List<Generation> generate(NDManager m, List<Inputs> inputs, List<NDArray> features, List<GenerateOptions> opts, List<AttentionHook> hooks,
            List<Contrast> contrasts) {
        if (contrasts != null && contrasts.size() != inputs.size()) {
            throw new IllegalArgumentException(inputs.size() + " samples with " + contrasts.size() + " contrast entries (null entry: none)");
        }
        try (NDManager sample = m.newSubManager()) {
            List<Merged> merged = new java.util.ArrayList<>(inputs.size());
            List<Merged> contrastMerged = new java.util.ArrayList<>(inputs.size());
            for (int i = 0; i < inputs.size(); i++) {
                Inputs in = inputs.get(i);
                NDArray f = features.get(i) != null || in.pixelValues() == null ? features.get(i) : imageFeatures(sample, in);
                merged.add(merge(sample, in, f));
                Contrast c = contrasts == null ? null : contrasts.get(i);
                contrastMerged.add(c == null ? null : merge(sample, c.inputs(), contrastFeatures(sample, in, f, c)));
            }
            return Generation.batched(this, sample, merged, opts, hooks, contrasts, contrastMerged);
        }
    }

    /** Batched generation of merged prompts (see {@link #generate(NDManager, List, List, List, List)}), each as its options say. */
    default List<Generation> greedy(NDManager m, List<Merged> merged, List<GenerateOptions> opts, List<AttentionHook> hooks) {
        return Generation.batched(this, m, merged, opts, hooks, null, null);
    }

    /**
     * One batched prefill of merged prompts (the extraction pass): prompt {@code b}'s hook sees its own rows, as
     * {@link #prefill(NDManager, Merged, KvCache, AttentionHook)} shows them for that prompt alone.
     */
    default void prefill(NDManager m, List<Merged> merged, List<AttentionHook> hooks) {
        BatchedPrompts.prefill(language(), m, merged, hooks, false).close();
    }

    @Override
    void close();
}
