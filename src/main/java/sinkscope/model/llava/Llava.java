package sinkscope.model.llava;

import sinkscope.model.AttentionHook;
import sinkscope.model.Checkpoint;
import sinkscope.model.ForwardStep;
import sinkscope.model.KvCache;
import sinkscope.model.LlamaModel;
import sinkscope.model.Weights;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;

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
public final class Llava implements AutoCloseable {
    private final NDManager manager;
    private final LlavaConfig config;
    private final ClipVisionTower vision;
    private final MultiModalProjector projector;
    private final LlamaModel language;
    private final Device device;
    private final DataType dtype;
    private final java.util.Map<String, NDArray> parameters;

    private Llava(NDManager manager, LlavaConfig config, ClipVisionTower vision, MultiModalProjector projector, LlamaModel language, Device device,
            DataType dtype, java.util.Map<String, NDArray> parameters) {
        this.manager = manager;
        this.parameters = java.util.Collections.unmodifiableMap(parameters);
        this.config = config;
        this.vision = vision;
        this.projector = projector;
        this.language = language;
        this.device = device;
        this.dtype = dtype;
    }

    /** Loads the weights of {@code dir} onto {@code device} in {@code dtype} (fp32 on CPU, fp16 on GPU usually). */
    public static Llava load(Path dir, Device device, DataType dtype) {
        try (Checkpoint ck = Checkpoint.open(dir)) {
            return create(ck.config(), ck, device, dtype);
        }
    }

    /** Builds the model of {@code config} from {@code weights} (a checkpoint, or random weights for benchmarks). */
    public static Llava create(LlavaConfig config, Weights weights, Device device, DataType dtype) {
        NDManager m = NDManager.newBaseManager(device);
        m.setName("llava");
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
        try {
            ClipVisionTower vision = ClipVisionTower.load(recording, m, config.vision(), config.visionFeatureIndex(), dtype, device);
            MultiModalProjector projector = MultiModalProjector.load(recording, m, config, dtype, device);
            LlamaModel language = LlamaModel.load(recording, m, config.text(), dtype, device, "language_model.model.", "language_model.lm_head");
            return new Llava(m, config, vision, projector, language, device, dtype, loaded);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public LlavaConfig config() {
        return config;
    }

    /**
     * Every parameter by its v4.41 llava-hf module path ({@code language_model.model.layers.0.self_attn.q_proj.weight},
     * ...), in load order: what a trainer updates and what a checkpoint writer saves.
     */
    public java.util.Map<String, NDArray> parameters() {
        return parameters;
    }

    public Device device() {
        return device;
    }

    public DataType dtype() {
        return dtype;
    }

    public LlamaModel language() {
        return language;
    }

    public int numLayers() {
        return language.numLayers();
    }

    /** NDArrays alive under this model's manager and its open sub-managers (weights included): a leak check. */
    public int liveArrays() {
        return manager.getManagedArrays().size();
    }

    /** A fresh manager for one sample on this model's device; close it when the sample is done. */
    public NDManager newSampleManager() {
        return manager.newSubManager();
    }

    /** All of the vision tower's hidden states (every loaded layer) for {@code pixels} [B, 3, S, S], attached to {@code m}. */
    public NDList visionHiddenStates(NDManager m, NDArray pixels) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList states = vision.hiddenStates(pixels.toDevice(device, false));
            NDScope.unregister(states);
            states.attach(m);
            return states;
        }
    }

    /** Image features [B, N, D] (projector output) for {@code pixels} [B, 3, S, S], attached to {@code m}. */
    public NDArray imageFeatures(NDManager m, NDArray pixels) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray features = projector.forward(select(pixels));
            NDScope.unregister(features);
            features.attach(m);
            return features;
        }
    }

    /**
     * The vision features the projector reads [B, N, Dv]: hidden state {@code vision_feature_layer} of the vision
     * tower, tokens chosen by {@code vision_feature_select_strategy}; attached to {@code m}.
     */
    public NDArray selectedVisionFeatures(NDManager m, NDArray pixels) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray selected = select(pixels);
            NDScope.unregister(selected);
            selected.attach(m);
            return selected;
        }
    }

    private NDArray select(NDArray pixels) {
        NDList states = vision.hiddenStates(pixels.toDevice(device, false), config.visionFeatureIndex());
        return ClipVisionTower.select(states.get(config.visionFeatureIndex()), config.visionFeatureSelectStrategy());
    }

    /** The projector applied to selected vision features [B, N, Dv]. */
    public NDArray project(NDManager m, NDArray selected) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray features = projector.forward(selected);
            NDScope.unregister(features);
            features.attach(m);
            return features;
        }
    }

    /** The merged decoder input of one prompt: embeddings [1, S, D] and the image rows {@code [imageStart, imageEnd)}. */
    public record Merged(NDArray inputsEmbeds, int imageStart, int imageEnd) implements AutoCloseable {
        public int length() {
            return (int) inputsEmbeds.getShape().get(1);
        }

        @Override
        public void close() {
            inputsEmbeds.close();
        }
    }

    /**
     * Embeds {@code ids} and puts {@code features} [1, N, D] in place of the {@code <image>} id (no image: features
     * null and no placeholder).
     */
    public Merged merge(NDManager m, long[] ids, NDArray features) {
        int at = -1;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == config.imageTokenIndex()) {
                if (at >= 0) {
                    throw new IllegalArgumentException("prompt has more than one image placeholder (id " + config.imageTokenIndex() + ")");
                }
                at = i;
            }
        }
        if ((at >= 0) != (features != null)) {
            throw new IllegalArgumentException(at >= 0 ? "prompt has an image placeholder but no image was given"
                    : "an image was given but the prompt has no <image> placeholder");
        }
        for (long id : ids) {
            if (id != config.imageTokenIndex() && (id < 0 || id >= config.text().vocabSize())) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + config.text().vocabSize());
            }
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray embeds;
            int start = -1;
            int end = -1;
            if (at < 0) {
                embeds = language.embed(m.create(ids).toDevice(device, false)).expandDims(0);
            } else {
                long[] before = java.util.Arrays.copyOfRange(ids, 0, at);
                long[] after = java.util.Arrays.copyOfRange(ids, at + 1, ids.length);
                NDList parts = new NDList();
                if (before.length > 0) {
                    parts.add(language.embed(m.create(before).toDevice(device, false)));
                }
                NDArray img = features.get(0).toType(dtype, false);
                parts.add(img);
                if (after.length > 0) {
                    parts.add(language.embed(m.create(after).toDevice(device, false)));
                }
                embeds = ai.djl.ndarray.NDArrays.concat(parts, 0).expandDims(0);
                start = at;
                end = at + (int) img.getShape().get(0);
            }
            NDScope.unregister(embeds);
            embeds.attach(m);
            return new Merged(embeds, start, end);
        }
    }

    /** What a prefill pass leaves: the residual stream after the last layer (pre-norm) [1, S, D] and the last logits [V]. */
    public record Prefill(NDArray lastHidden, NDArray lastLogits) implements AutoCloseable {
        @Override
        public void close() {
            lastHidden.close();
            lastLogits.close();
        }
    }

    /** Runs the decoder over the merged prompt, filling {@code cache}; arrays returned are attached to {@code m}. */
    public Prefill prefill(NDManager m, Merged merged, KvCache cache, AttentionHook hook) {
        ForwardStep step = new ForwardStep(-1, 0, merged.length(), merged.imageStart(), merged.imageEnd(), numLayers());
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray hidden = language.layers(merged.inputsEmbeds(), cache, step, hook);
            NDArray logits = language.lastLogits(hidden).get(0);
            NDScope.unregister(hidden, logits);
            hidden.attach(m);
            logits.attach(m);
            return new Prefill(hidden, logits);
        }
    }

    /**
     * One decode step: token {@code token} at position {@code cache.length()}, step index {@code index} (0 for the
     * first generated token's pass). Returns float32 logits [V] attached to {@code m}.
     */
    public NDArray decode(NDManager m, long token, KvCache cache, int index, Merged merged, AttentionHook hook) {
        int pos = cache.length();
        ForwardStep step = new ForwardStep(index, pos, 1, merged.imageStart(), merged.imageEnd(), numLayers());
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = language.embed(m.create(new long[] {token}).toDevice(device, false)).expandDims(0);
            NDArray hidden = language.layers(x, cache, step, hook);
            NDArray logits = language.lastLogits(hidden).get(0);
            NDScope.unregister(logits);
            logits.attach(m);
            return logits;
        }
    }

    /**
     * Greedy decoding settings; {@code topK > 0} records the k largest logits of every step. With
     * {@code consumeLast} the decoder also runs the pass whose input is the last generated token (HF's generate
     * stops before it); hooks then see one decode pass per generated token.
     */
    public record GenerateOptions(int maxNewTokens, boolean stopAtEos, int topK, boolean consumeLast) {
        public GenerateOptions {
            if (maxNewTokens < 0) {
                throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
            }
        }

        public GenerateOptions(int maxNewTokens, boolean stopAtEos, int topK) {
            this(maxNewTokens, stopAtEos, topK, false);
        }
    }

    /**
     * The result of {@link #generate}: greedy token ids, optional per-step top-k, and timings (nanoseconds).
     * {@code topValues[i]}/{@code topIds[i]} describe the logits that chose token {@code i}.
     */
    public record Generation(long[] tokens, float[][] topValues, long[][] topIds, int promptLength, int imageStart, int imageEnd,
            long prefillNanos, long decodeNanos) {}

    /**
     * Greedy generation: prefill the merged prompt, then take the argmax over the whole vocabulary at every step
     * (ids past the tokenizer's vocabulary included), stopping at EOS when asked. The hook, if any, sees the prefill
     * (step -1) and every decode pass (step 0, 1, ...).
     */
    public Generation generate(NDManager m, long[] ids, NDArray pixels, GenerateOptions opts, AttentionHook hook) {
        try (NDManager sample = m.newSubManager(); KvCache cache = new KvCache(numLayers())) {
            long t0 = System.nanoTime();
            NDArray features = pixels == null ? null : imageFeatures(sample, pixels);
            Merged merged = merge(sample, ids, features);
            Prefill prefill = prefill(sample, merged, cache, hook);
            long t1 = System.nanoTime();
            Generation g = greedy(sample, merged, prefill, cache, opts, hook);
            return new Generation(g.tokens(), g.topValues(), g.topIds(), g.promptLength(), g.imageStart(), g.imageEnd(), t1 - t0, g.decodeNanos());
        }
    }

    /** Greedy decoding after {@code prefill} (which filled {@code cache}); the prefill's logits are consumed (closed). */
    public Generation greedy(NDManager m, Merged merged, Prefill prefill, KvCache cache, GenerateOptions opts, AttentionHook hook) {
        long t1 = System.nanoTime();
        int max = opts.maxNewTokens();
        long[] tokens = new long[max];
        float[][] topValues = new float[max][];
        long[][] topIds = new long[max][];
        NDArray logits = prefill.lastLogits();
        int n = 0;
        while (n < max) {
            long next = record(logits, n, opts.topK(), topValues, topIds);
            tokens[n++] = next;
            logits.close();
            boolean eos = opts.stopAtEos() && next == config.text().eosTokenId();
            if ((eos || n == max) && !opts.consumeLast()) {
                break;
            }
            logits = decode(m, next, cache, n - 1, merged, hook);
            if (eos || n == max) {
                logits.close();
                break;
            }
        }
        long t2 = System.nanoTime();
        return new Generation(java.util.Arrays.copyOf(tokens, n), java.util.Arrays.copyOf(topValues, n), java.util.Arrays.copyOf(topIds, n),
                merged.length(), merged.imageStart(), merged.imageEnd(), 0, t2 - t1);
    }

    private static long record(NDArray logits, int i, int topK, float[][] topValues, long[][] topIds) {
        if (topK > 0) {
            NDList top = logits.topK(topK, 0, true, true);
            topValues[i] = top.get(0).toFloatArray();
            topIds[i] = top.get(1).toType(DataType.INT64, false).toLongArray();
            top.close();
        }
        try (NDArray arg = logits.argMax()) {
            return arg.getLong();
        }
    }

    /** Logits [S, V] of every position, from the pre-norm residual stream [1, S, D] (for argmax checks). */
    public NDArray allLogits(NDManager m, NDArray lastHidden) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray logits = language.logits(language.norm(lastHidden.get(new NDIndex("0"))));
            NDScope.unregister(logits);
            logits.attach(m);
            return logits;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
