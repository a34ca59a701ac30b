package sinkscope.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * LlamaForCausalLM: {@code embed_tokens}, decoder layers, final {@code norm}, {@code lm_head}. Each layer runs in
 * its own {@link NDScope}, so a layer's temporaries (attention maps, MLP activations) are freed before the next
 * layer starts; only the residual stream and the KV cache outlive it.
 */
public final class LlamaModel {
    private final TextConfig config;
    private final NDArray embedTokens; // [V, D]
    private final LlamaDecoderLayer[] layers;
    private final RmsNorm norm;
    private final Linear lmHead;
    private final RotaryEmbedding rope;

    private LlamaModel(TextConfig config, NDArray embedTokens, LlamaDecoderLayer[] layers, RmsNorm norm, Linear lmHead,
            RotaryEmbedding rope) {
        this.config = config;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.norm = norm;
        this.lmHead = lmHead;
        this.rope = rope;
    }

    /**
     * Loads the decoder the config describes from the checkpoint names the family gives ({@link DecoderNames}: e.g.
     * {@code DecoderNames.hf("language_model.model.", "language_model.lm_head")} for llava-hf); a fused query/key/value
     * projection is split into its query, key and value rows.
     */
    public static LlamaModel load(Weights ck, NDManager m, TextConfig c, DataType dtype, Device device, DecoderNames names) {
        String p = names.prefix();
        int d = c.hiddenSize();
        int hd = c.headDim();
        NDArray embed = ck.load(m, p + names.embed() + ".weight", dtype, device, c.vocabSize(), d);
        LlamaDecoderLayer[] layers = new LlamaDecoderLayer[c.numHiddenLayers()];
        boolean outBias = c.outputBias();
        for (int i = 0; i < layers.length; i++) {
            String l = names.layer(i);
            // q/k/v and gate/up stacked into one product each (the parts are closed; views of them stand in their place)
            LlamaAttention attn = new LlamaAttention(qkv(ck, m, c, names, l, dtype, device),
                    Linear.load(ck, m, l + names.oProj(), c.numAttentionHeads() * hd, d, outBias, dtype, device),
                    c.numAttentionHeads(), c.numKeyValueHeads(), hd, c.slidingWindow(),
                    c.qkNorm() ? RmsNorm.of(ck.load(m, l + names.qNorm() + ".weight", dtype, device, hd), c.rmsNormEps()) : null,
                    c.qkNorm() ? RmsNorm.of(ck.load(m, l + names.kNorm() + ".weight", dtype, device, hd), c.rmsNormEps()) : null);
            LlamaMlp mlp = new LlamaMlp(Linear.concat(
                    Linear.load(ck, m, l + names.gateProj(), d, c.intermediateSize(), false, dtype, device),
                    Linear.load(ck, m, l + names.upProj(), d, c.intermediateSize(), false, dtype, device)),
                    Linear.load(ck, m, l + names.downProj(), c.intermediateSize(), d, false, dtype, device));
            layers[i] = new LlamaDecoderLayer(
                    RmsNorm.of(ck.load(m, l + names.inputNorm() + ".weight", dtype, device, d), c.rmsNormEps()),
                    attn,
                    RmsNorm.of(ck.load(m, l + names.postAttentionNorm() + ".weight", dtype, device, d), c.rmsNormEps()),
                    mlp);
        }
        RmsNorm norm = RmsNorm.of(ck.load(m, p + names.norm() + ".weight", dtype, device, d), c.rmsNormEps());
        String lmHeadName = names.lmHead();
        Linear lmHead = c.tieWordEmbeddings() && !ck.has(lmHeadName + ".weight")
                ? new Linear(embed, null)
                : Linear.load(ck, m, lmHeadName, d, c.vocabSize(), false, dtype, device);
        RotaryEmbedding rope = new RotaryEmbedding(m, hd, c.ropeTheta(), c.maxPositionEmbeddings(), dtype);
        return new LlamaModel(c, embed, layers, norm, lmHead, rope);
    }

    /**
     * The stacked query/key/value projection of one layer: the three separate projections concatenated, or the fused
     * one ({@link DecoderNames#fused}, InternLM2's grouped rows) reordered to {@code [q; k; v]}.
     */
    private static Linear qkv(Weights ck, NDManager m, TextConfig c, DecoderNames names, String l, DataType dtype, Device device) {
        int d = c.hiddenSize();
        int hd = c.headDim();
        int heads = c.numAttentionHeads();
        int kvHeads = c.numKeyValueHeads();
        boolean bias = c.attentionBias();
        if (!names.fused()) {
            return Linear.concat(
                    Linear.load(ck, m, l + names.qProj(), d, heads * hd, bias, dtype, device),
                    Linear.load(ck, m, l + names.kProj(), d, kvHeads * hd, bias, dtype, device),
                    Linear.load(ck, m, l + names.vProj(), d, kvHeads * hd, bias, dtype, device));
        }
        int group = heads / kvHeads;
        int rows = (heads + 2 * kvHeads) * hd;
        NDArray w;
        try (NDArray fused = ck.load(m, l + names.qkvProj() + ".weight", dtype, device, rows, d)) {
            w = splitGrouped(fused, kvHeads, group, hd);
        }
        NDArray b = null;
        if (bias) {
            try (NDArray fused = ck.load(m, l + names.qkvProj() + ".bias", dtype, device, rows)) {
                b = splitGrouped(fused, kvHeads, group, hd);
            }
        }
        return new Linear(w, b);
    }

    /** Rows {@code [K (H/K + 2) hd, ...]} in InternLM2's grouped order, reordered to {@code [q (H hd); k (K hd); v (K hd)]}. */
    private static NDArray splitGrouped(NDArray fused, int kvHeads, int group, int hd) {
        long[] rest = java.util.Arrays.copyOfRange(fused.getShape().getShape(), 1, fused.getShape().dimension());
        long[] grouped = new long[3 + rest.length];
        grouped[0] = kvHeads;
        grouped[1] = group + 2;
        grouped[2] = hd;
        System.arraycopy(rest, 0, grouped, 3, rest.length);
        NDArray g = fused.reshape(grouped);
        long[] flat = new long[1 + rest.length];
        System.arraycopy(rest, 0, flat, 1, rest.length);
        flat[0] = -1;
        NDArray q = g.get(new NDIndex(":, :{}", group)).reshape(flat);
        NDArray k = g.get(new NDIndex(":, {}", group)).reshape(flat);
        NDArray v = g.get(new NDIndex(":, {}", group + 1)).reshape(flat);
        NDArray out = NDArrays.concat(new NDList(q, k, v), 0);
        for (NDArray a : new NDArray[] {g, q, k, v}) {
            a.close();
        }
        return out;
    }

    /**
     * The parameters that live inside tensors laid out at load, under their checkpoint names: the stacked projections'
     * parts ({@code <prefix>layers.i.self_attn.q_proj.weight}, ...), views of the stacked weights, and the RMSNorm
     * weights ({@code <prefix>layers.i.input_layernorm.weight}, ..., {@code <prefix>norm.weight}), views of their pairs
     * ({@link RmsNorm}); they share that memory (what a model's parameter map holds in place of the loaded arrays). A
     * fused query/key/value projection has no separate parts, so only the MLP's and the norms are given for it.
     */
    public java.util.Map<String, NDArray> stackedParts(DecoderNames names) {
        java.util.Map<String, NDArray> parts = new java.util.LinkedHashMap<>();
        for (int i = 0; i < layers.length; i++) {
            String l = names.layer(i);
            LlamaAttention a = layers[i].selfAttn();
            if (!names.fused()) {
                put(parts, l + names.qProj(), a.qProj());
                put(parts, l + names.kProj(), a.kProj());
                put(parts, l + names.vProj(), a.vProj());
            }
            put(parts, l + names.gateProj(), layers[i].mlp().gateProj());
            put(parts, l + names.upProj(), layers[i].mlp().upProj());
            parts.put(l + names.inputNorm() + ".weight", layers[i].inputLayernorm().weight());
            parts.put(l + names.postAttentionNorm() + ".weight", layers[i].postAttentionLayernorm().weight());
            if (a.qNorm() != null) {
                parts.put(l + names.qNorm() + ".weight", a.qNorm().weight());
                parts.put(l + names.kNorm() + ".weight", a.kNorm().weight());
            }
        }
        parts.put(names.prefix() + names.norm() + ".weight", norm.weight());
        return parts;
    }

    private static void put(java.util.Map<String, NDArray> parts, String name, Linear linear) {
        parts.put(name + ".weight", linear.weight());
        if (linear.bias() != null) {
            parts.put(name + ".bias", linear.bias());
        }
    }

    public TextConfig config() {
        return config;
    }

    public int numLayers() {
        return layers.length;
    }

    /** Token embeddings [n, D] of {@code ids} [n] (int64). */
    public NDArray embed(NDArray ids) {
        return embedTokens.get(ids);
    }

    /**
     * Runs every decoder layer on {@code inputs} [B, Q, D] at {@code step}'s positions, appending to {@code cache}.
     * Returns the residual stream after the last layer, before the final norm. {@code inputs} stays open.
     */
    public NDArray layers(NDArray inputs, KvCache cache, ForwardStep step, AttentionHook hook) {
        return layers(inputs, cache, step, hook, step.queryStart());
    }

    /**
     * {@link #layers(NDArray, KvCache, ForwardStep, AttentionHook)} with the query rows at rotary positions
     * {@code ropeStart..ropeStart+Q-1} (the cache positions shifted, as Qwen2-VL's decode steps are by its rope delta).
     */
    public NDArray layers(NDArray inputs, KvCache cache, ForwardStep step, AttentionHook hook, int ropeStart) {
        int end = ropeStart + step.queryLength();
        if (end > rope.maxPositions() || ropeStart < 0) {
            throw new IllegalArgumentException("sequence of " + end + " positions exceeds max_position_embeddings " + rope.maxPositions());
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            RotaryEmbedding.Rows rows = rope.rows(ropeStart, step.queryLength());
            NDArray out = layers(inputs, cache, step, hook, rows);
            NDScope.unregister(out);
            return out;
        }
    }

    /** The rotary tables of this decoder (for callers that build multimodal position rows). */
    public RotaryEmbedding rope() {
        return rope;
    }

    /** The decoder layers with explicit rotary {@code rows} (cos/sin [Q, headDim]) for the query rows. */
    public NDArray layers(NDArray inputs, KvCache cache, ForwardStep step, AttentionHook hook, RotaryEmbedding.Rows rows) {
        return layers(inputs, cache, step, hook, rows, null, null);
    }

    /**
     * The decoder layers with explicit rotary {@code rows} (cos/sin [Q, headDim], or [B, 1, Q, headDim] per batch row)
     * and, when non-null, the additive attention {@code mask} (float32, broadcast to [B, H, Q, K]) in place of the
     * causal one; {@code after[l]} (when given, [B, Q, D] or broadcastable) is added to the output of layer {@code l}
     * before layer {@code l + 1} (and its hook) sees it: Qwen3-VL's DeepStack, zero outside the image rows.
     */
    NDArray layers(NDArray inputs, KvCache cache, ForwardStep step, AttentionHook hook, RotaryEmbedding.Rows rows, NDArray mask, NDArray[] after) {
        if (hook != null && !hook.actsOn(step)) {
            hook = null; // nothing to do in this pass: run it hook-free
        }
        if (hook != null) {
            hook.onStep(step);
        }
        if (step.queryLength() == 1 && layers.length > 0) {
            rows = layers[0].selfAttn().perHead(rope, rows); // every layer has the same heads
        }
        NDArray hidden = inputs;
        for (int l = 0; l < layers.length; l++) {
            NDArray next;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                if (hook != null) {
                    hook.onLayerInput(l, hidden, step);
                }
                next = layers[l].forward(l, hidden, rows, cache, step, hook, mask);
                if (after != null && l < after.length && after[l] != null) {
                    next = next.add(after[l]);
                }
                NDScope.unregister(next);
            }
            if (hidden != inputs) {
                hidden.close();
            }
            hidden = next;
        }
        return hidden;
    }

    /**
     * The per-layer additions of a batch of merged prompts ({@link Merged#imageAdditions()}) as dense [B, S, D] arrays,
     * prompt {@code b}'s image rows starting at {@code pads[b] + imageStart}; null when no prompt has any.
     */
    static NDArray[] imageAdditions(NDManager m, java.util.List<Merged> merged, int[] pads, int s) {
        int k = 0;
        for (Merged x : merged) {
            k = Math.max(k, x.imageAdditions() == null ? 0 : (int) x.imageAdditions().getShape().get(0));
        }
        if (k == 0) {
            return null;
        }
        NDArray[] out = new NDArray[k];
        for (int l = 0; l < k; l++) {
            NDList rows = new NDList();
            for (int b = 0; b < merged.size(); b++) {
                Merged x = merged.get(b);
                NDArray e = x.inputsEmbeds();
                long d = e.getShape().get(2);
                NDArray row = m.zeros(new ai.djl.ndarray.types.Shape(1, s, d), e.getDataType()).toDevice(e.getDevice(), false);
                if (x.imageAdditions() != null && l < x.imageAdditions().getShape().get(0)) {
                    int start = pads[b] + x.imageStart();
                    NDArray add = x.imageAdditions().get(l).toType(e.getDataType(), false).toDevice(e.getDevice(), false).expandDims(0);
                    row = NDArrays.concat(new NDList(Torch.narrow(row, 1, 0, start), add, Torch.narrow(row, 1, start + x.imageEnd() - x.imageStart(), s)), 1);
                }
                rows.add(row);
            }
            out[l] = rows.size() == 1 ? rows.get(0) : NDArrays.concat(rows, 0);
        }
        return out;
    }

    /** The sliding window of the decoder's attention (0: none). */
    int slidingWindow() {
        return layers.length == 0 ? 0 : layers[0].selfAttn().slidingWindow();
    }

    /** Token embeddings [B, 1, D] of one token per batch row, on the weights' device. */
    NDArray embedTokens(NDManager m, long[] tokens) {
        return embed(m.create(tokens).toDevice(embedTokens.getDevice(), false)).expandDims(1);
    }

    /** The final RMSNorm (HF's last {@code hidden_states} entry). */
    public NDArray norm(NDArray hidden) {
        return norm.forward(hidden);
    }

    /** {@code lm_head} on normalised hidden states [..., D] -> float32 logits [..., V]. */
    public NDArray logits(NDArray normed) {
        NDArray logits = lmHead.forward(normed);
        return logits.getDataType() == DataType.FLOAT32 ? logits : logits.toType(DataType.FLOAT32, false);
    }

    /** Logits [B, V] of the last position of {@code hidden} [B, Q, D] (pre-norm residual stream). */
    public NDArray lastLogits(NDArray hidden) {
        NDArray last = hidden.get(new NDIndex(":, -1:, :"));
        return logits(norm(last)).squeeze(1);
    }

    /**
     * The prefill of a merged prompt: every layer over {@code merged}'s embeddings at positions {@code 0..S-1} (or its
     * multimodal position rows), filling {@code cache}; the residual stream and last logits attached to {@code m}.
     */
    public Prefill prefill(NDManager m, Merged merged, KvCache cache, AttentionHook hook) {
        ForwardStep step = new ForwardStep(-1, 0, merged.length(), merged.imageStart(), merged.imageEnd(), numLayers());
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            if (merged.positionIds() == null && merged.length() > rope.maxPositions()) {
                throw new IllegalArgumentException("sequence of " + merged.length() + " positions exceeds max_position_embeddings " + rope.maxPositions());
            }
            RotaryEmbedding.Rows rows = merged.positionIds() == null ? rope.rows(0, merged.length())
                    : rope.rows(m, merged.positionIds(), config.mropeSection(), config.mropeInterleaved());
            NDArray hidden = layers(merged.inputsEmbeds(), cache, step, hook, rows, null, imageAdditions(m, java.util.List.of(merged), new int[1], merged.length()));
            NDArray logits = lastLogits(hidden).get(0);
            NDScope.unregister(hidden, logits);
            hidden.attach(m);
            logits.attach(m);
            return new Prefill(hidden, logits);
        }
    }

    /**
     * One decode step: {@code token} at cache position {@code p = cache.length()}, rotary position
     * {@code p + merged.ropeDelta()}, step index {@code index}; float32 logits [V] attached to {@code m}.
     */
    public NDArray decode(NDManager m, long token, KvCache cache, int index, Merged merged, AttentionHook hook) {
        int pos = cache.length();
        ForwardStep step = new ForwardStep(index, pos, 1, merged.imageStart(), merged.imageEnd(), numLayers());
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = embed(m.create(new long[] {token}).toDevice(embedTokens.getDevice(), false)).expandDims(0);
            // the residual stream comes back unregistered (and, grown from the embedding, in the weights' manager): closed here
            NDArray hidden = layers(x, cache, step, hook, pos + merged.ropeDelta());
            NDArray logits = lastLogits(hidden).get(0);
            hidden.close();
            NDScope.unregister(logits);
            logits.attach(m);
            return logits;
        }
    }

    /**
     * The merged input of a prompt with at most one image placeholder id {@code imageId}: {@code ids[:i]} embedded,
     * then {@code features} ([N, D], or [1, N, D]) in place of the placeholder, then {@code ids[i+1:]} embedded, so the
     * image rows are {@code [i, i + N)} (no placeholder: features null, image span -1). Ids outside the vocabulary,
     * a second placeholder, or a placeholder without features (and features without one) are errors.
     */
    public Merged mergeAtPlaceholder(NDManager m, long[] ids, long imageId, NDArray features) {
        int at = -1;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == imageId) {
                if (at >= 0) {
                    throw new IllegalArgumentException("prompt has more than one image placeholder (id " + imageId + ")");
                }
                at = i;
            } else if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary of " + config.vocabSize());
            }
        }
        if ((at >= 0) != (features != null)) {
            throw new IllegalArgumentException(at >= 0 ? "prompt has an image placeholder but no image was given"
                    : "an image was given but the prompt has no image placeholder (id " + imageId + ")");
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray embeds;
            int end = -1;
            Device device = embedTokens.getDevice();
            if (at < 0) {
                embeds = embed(m.create(ids).toDevice(device, false)).expandDims(0);
            } else {
                NDList parts = new NDList();
                if (at > 0) {
                    parts.add(embed(m.create(java.util.Arrays.copyOfRange(ids, 0, at)).toDevice(device, false)));
                }
                NDArray img = (features.getShape().dimension() == 3 ? features.get(0) : features).toType(embedTokens.getDataType(), false)
                        .toDevice(device, false);
                parts.add(img);
                if (at + 1 < ids.length) {
                    parts.add(embed(m.create(java.util.Arrays.copyOfRange(ids, at + 1, ids.length)).toDevice(device, false)));
                }
                embeds = NDArrays.concat(parts, 0).expandDims(0);
                end = at + (int) img.getShape().get(0);
            }
            NDScope.unregister(embeds);
            embeds.attach(m);
            return new Merged(embeds, at, end);
        }
    }

    /** Logits [S, V] of every position from the pre-norm residual stream [1, S, D], attached to {@code m}. */
    public NDArray allLogits(NDManager m, NDArray lastHidden) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray logits = logits(norm(lastHidden.get(new NDIndex("0"))));
            NDScope.unregister(logits);
            logits.attach(m);
            return logits;
        }
    }
}
