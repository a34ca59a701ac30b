package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;

/**
 * B merged prompts through one decoder at once, as transformers runs a left-padded batch. With {@code S = max S_b},
 * prompt {@code b} of length {@code S_b} is preceded by {@code P_b = S - S_b} pad rows (zero embeddings); the additive
 * mask hides the pad keys from every query ({@code key j < P_b} gets float32 min) on top of the causal (and
 * sliding-window) mask, and each prompt keeps its own rotary positions ({@code 0..S_b-1} or its multimodal rows;
 * decode step {@code i} at {@code S_b + i + ropeDelta_b}). So every prompt computes what it computes alone: the pad
 * keys get weight exactly 0, and only the summation order of the batched kernels differs.
 *
 * <p>Hooks stay per sample: hook {@code b} sees its own rows in its own coordinates and {@link ForwardStep} —
 * the hidden state [1, S_b, D] (prefill; [1, 1, D] decoding), the scores before softmax and the attention
 * [1, H, Q_b, K - P_b], views of the
 * batch's arrays. What a hook rewrites in place, or returns, is what the batch multiplies V with. A sample that has
 * finished generating is still carried through the decode passes (its rows are ignored) but its hook is not called;
 * nor is a hook in a pass it does not act on ({@link AttentionHook#actsOn}, e.g. a probe of the prefill in the decode
 * steps), and a pass in which no hook acts runs hook-free.
 */
public final class BatchedPrompts implements AutoCloseable {
    private final LlamaModel lm;
    private List<Merged> merged;
    private int[] pads;
    private final KvCache cache;
    private PerSample hook;
    private final NDArray prefillLogits;

    private BatchedPrompts(LlamaModel lm, List<Merged> merged, int[] pads, KvCache cache, PerSample hook, NDArray prefillLogits) {
        this.lm = lm;
        this.merged = merged;
        this.pads = pads;
        this.cache = cache;
        this.hook = hook;
        this.prefillLogits = prefillLogits;
    }

    /**
     * The prefill of {@code merged} (each [1, S_b, D]) as one left-padded batch; {@code hooks.get(b)} (may be null)
     * sees prompt {@code b}. With {@code logits} the last position's float32 logits [B, V] are kept (see
     * {@link #logits()}), attached to {@code m}; the KV cache stays for {@link #decode}.
     */
    public static BatchedPrompts prefill(LlamaModel lm, NDManager m, List<Merged> merged, List<AttentionHook> hooks, boolean logits) {
        return prefill(lm, m, merged, hooks, logits, 0);
    }

    /** {@link #prefill(LlamaModel, NDManager, List, List, boolean)} with a KV cache that has room for {@code room} decode steps. */
    public static BatchedPrompts prefill(LlamaModel lm, NDManager m, List<Merged> merged, List<AttentionHook> hooks, boolean logits, int room) {
        int b = merged.size();
        if (b == 0 || hooks.size() != b) {
            throw new IllegalArgumentException("batch of " + b + " prompts with " + hooks.size() + " hooks");
        }
        int s = 0;
        for (Merged x : merged) {
            s = Math.max(s, x.length());
        }
        int[] pads = new int[b];
        for (int i = 0; i < b; i++) {
            pads[i] = s - merged.get(i).length();
        }
        PerSample hook = PerSample.of(hooks, pads);
        KvCache cache = new KvCache(lm.numLayers(), room);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList rows = new NDList(b);
            long[][] positions = new long[b][];
            boolean multimodal = false;
            for (int i = 0; i < b; i++) {
                Merged x = merged.get(i);
                NDArray e = x.inputsEmbeds();
                if (pads[i] > 0) {
                    e = m.zeros(new Shape(1, pads[i], e.getShape().get(2)), e.getDataType()).toDevice(e.getDevice(), false).concat(e, 1);
                }
                rows.add(e);
                multimodal |= x.positionIds() != null;
                positions[i] = new long[s];
                for (int q = 0; q < x.length(); q++) {
                    positions[i][pads[i] + q] = q; // pad rows at position 0: their rows are masked out of every real row
                }
                if (x.length() > lm.rope().maxPositions()) {
                    throw new IllegalArgumentException("sequence of " + x.length() + " positions exceeds max_position_embeddings " + lm.rope().maxPositions());
                }
            }
            RotaryEmbedding.Rows rope = multimodal ? multimodalRows(lm, m, merged, pads, s) : lm.rope().rows(m, positions);
            ForwardStep step = new ForwardStep(-1, 0, s, -1, -1, lm.numLayers());
            if (hook != null) {
                for (int i = 0; i < b; i++) {
                    Merged x = merged.get(i);
                    hook.set(i, new ForwardStep(-1, 0, x.length(), x.imageStart(), x.imageEnd(), lm.numLayers()));
                }
                hook.queryPads = pads;
            }
            NDArray hidden = lm.layers(NDArrays.concat(rows, 0), cache, step, hook, rope, mask(m, s, s, pads, lm.slidingWindow()),
                    LlamaModel.imageAdditions(m, merged, pads, s));
            NDArray last = null;
            if (logits) {
                last = lm.lastLogits(hidden);
                NDScope.unregister(last);
                last.attach(m);
            }
            hidden.close();
            return new BatchedPrompts(lm, merged, pads, cache, hook, last);
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
    }

    /**
     * One prompt already prefilled into {@code cache} (by {@link LlamaModel#prefill}), as a batch of one row for
     * {@link #decode} and {@link #select}; closing it closes {@code cache}.
     */
    static BatchedPrompts of(LlamaModel lm, Merged merged, KvCache cache, AttentionHook hook) {
        int[] pads = {0};
        return new BatchedPrompts(lm, new ArrayList<>(List.of(merged)), pads, cache, PerSample.of(java.util.Collections.singletonList(hook), pads), null);
    }

    /**
     * A batch whose prefill was run elsewhere ({@link SharedPrefixes}): {@code cache} holds prompt {@code b}'s rows
     * after {@code pads[b]} pad positions, as {@link #prefill} leaves them; {@code logits} [B, V] are the last
     * positions' (closed with the batch).
     */
    static BatchedPrompts of(LlamaModel lm, List<Merged> merged, List<AttentionHook> hooks, int[] pads, KvCache cache, NDArray logits) {
        return new BatchedPrompts(lm, new ArrayList<>(merged), pads, cache, PerSample.of(hooks, pads), logits);
    }

    /**
     * Keeps rows {@code rows} (indices into the current rows, repeats allowed), in that order, from here on: the
     * KV cache ({@link KvCache#select}), each row's prompt, padding and hook. A beam step's reorder, or a prompt's row
     * expanded to its beams; the prefill's logits ({@link #logits()}) keep the rows they had.
     */
    public void select(long[] rows) {
        cache.select(rows);
        List<Merged> m = new ArrayList<>(rows.length);
        int[] p = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            m.add(merged.get((int) rows[i]));
            p[i] = pads[(int) rows[i]];
        }
        merged = m;
        pads = p;
        if (hook != null) {
            hook = hook.select(rows, p);
        }
    }

    /** Positions in the KV cache (prompt rows, padding included, plus decode steps). */
    int length() {
        return cache.length();
    }

    /** Forgets the cached positions from {@code length} on ({@link KvCache#truncate}): a decode pass undone. */
    void rewind(int length) {
        cache.truncate(length);
    }

    /** Prompt {@code b}'s multimodal rows (pad rows at position 0), stacked [B, 1, S, headDim]. */
    private static RotaryEmbedding.Rows multimodalRows(LlamaModel lm, NDManager m, List<Merged> merged, int[] pads, int s) {
        List<RotaryEmbedding.Rows> each = new ArrayList<>();
        for (int i = 0; i < merged.size(); i++) {
            Merged x = merged.get(i);
            long[][] ids = x.positionIds();
            int n = ids == null ? 1 : ids.length;
            long[][] padded = new long[n][s];
            for (int r = 0; r < n; r++) {
                for (int q = 0; q < x.length(); q++) {
                    padded[r][pads[i] + q] = ids == null ? q : ids[r][q];
                }
            }
            each.add(ids == null ? lm.rope().rows(m, padded) : lm.rope().rows(m, padded, lm.config().mropeSection(), lm.config().mropeInterleaved()));
        }
        return RotaryEmbedding.stack(each);
    }

    /** The prefill's last-position logits [B, V] (float32), when asked for. */
    public NDArray logits() {
        return prefillLogits;
    }

    public int size() {
        return pads.length;
    }

    /**
     * One decode pass of {@code tokens[b]} per prompt, decode step {@code index}; hooks are called for the prompts
     * with {@code active[b]}. Returns float32 logits [B, V] attached to {@code m}.
     */
    public NDArray decode(NDManager m, long[] tokens, int index, boolean[] active) {
        int b = pads.length;
        int k0 = cache.length();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            long[][] positions = new long[b][1];
            for (int i = 0; i < b; i++) {
                positions[i][0] = k0 - pads[i] + merged.get(i).ropeDelta();
                if (positions[i][0] >= lm.rope().maxPositions()) {
                    throw new IllegalArgumentException("sequence of " + (positions[i][0] + 1) + " positions exceeds max_position_embeddings "
                            + lm.rope().maxPositions());
                }
            }
            if (hook != null) {
                for (int i = 0; i < b; i++) {
                    Merged x = merged.get(i);
                    hook.set(i, active[i] ? new ForwardStep(index, k0 - pads[i], 1, x.imageStart(), x.imageEnd(), lm.numLayers()) : null);
                }
                hook.queryPads = new int[b];
            }
            ForwardStep step = new ForwardStep(index, k0, 1, -1, -1, lm.numLayers());
            NDArray hidden = lm.layers(lm.embedTokens(m, tokens), cache, step, hook, lm.rope().rows(m, positions),
                    mask(m, 1, k0 + 1, pads, lm.slidingWindow()), null);
            NDArray logits = lm.lastLogits(hidden);
            hidden.close(); // unregistered by the layers, and grown from the embedding in the weights' manager
            NDScope.unregister(logits);
            logits.attach(m);
            return logits;
        }
    }

    /**
     * The additive mask [B, 1, Q, K] (float32) of the last {@code Q} of {@code K} padded positions: key {@code j} is
     * hidden from query {@code i} (absolute {@code K - Q + i}) when {@code j > i}, when {@code j <= i - window}
     * ({@code window > 0}), or when {@code j < pads[b]}. Null when it hides nothing (one query row, no pads, no window
     * shorter than the keys): the pass then adds no mask.
     */
    static NDArray mask(NDManager m, int q, int k, int[] pads, int window) {
        if (q == 1 && java.util.Arrays.stream(pads).allMatch(p -> p == 0) && (window <= 0 || k <= window)) {
            return null;
        }
        NDArray rows = m.arange(k - q, k, 1, DataType.INT64).reshape(1, 1, q, 1);
        NDArray cols = m.arange(0, k, 1, DataType.INT64).reshape(1, 1, 1, k);
        long[] p = new long[pads.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = pads[i];
        }
        NDArray masked = cols.gt(rows).logicalOr(cols.lt(m.create(p).toDevice(cols.getDevice(), false).reshape(p.length, 1, 1, 1)));
        if (window > 0) {
            masked = masked.logicalOr(cols.lte(rows.sub(window)));
        }
        return masked.toType(DataType.FLOAT32, false).mul(-Float.MAX_VALUE);
    }

    @Override
    public void close() {
        cache.close();
        if (prefillLogits != null) {
            prefillLogits.close();
        }
    }

    /** Hands each sample's rows of a batched pass to that sample's hook, with that sample's {@link ForwardStep}. */
    private static final class PerSample implements AttentionHook {
        private final AttentionHook[] hooks;
        private final int[] keyPads;
        private final ForwardStep[] steps;
        private int[] queryPads;

        private PerSample(AttentionHook[] hooks, int[] keyPads) {
            this.hooks = hooks;
            this.keyPads = keyPads;
            this.steps = new ForwardStep[hooks.length];
        }

        /** The hooks of rows {@code rows}, with their key padding {@code pads}. */
        PerSample select(long[] rows, int[] pads) {
            AttentionHook[] h = new AttentionHook[rows.length];
            for (int i = 0; i < rows.length; i++) {
                h[i] = hooks[(int) rows[i]];
            }
            return new PerSample(h, pads);
        }

        /** Null when no prompt has a hook: the batch then runs hook-free. */
        static PerSample of(List<AttentionHook> hooks, int[] pads) {
            boolean any = hooks.stream().anyMatch(h -> h != null);
            return any ? new PerSample(hooks.toArray(new AttentionHook[0]), pads) : null;
        }

        @Override
        public boolean rewritesAttention() {
            return java.util.Arrays.stream(hooks).anyMatch(h -> h != null && h.rewritesAttention());
        }

        @Override
        public boolean keepsAttention() {
            return java.util.Arrays.stream(hooks).anyMatch(h -> h != null && h.keepsAttention());
        }

        private boolean calls(int i) {
            return hooks[i] != null && steps[i] != null;
        }

        /** Row {@code i}'s step of the coming pass; null (not called) when it has finished or its hook does nothing then. */
        void set(int i, ForwardStep step) {
            steps[i] = step != null && hooks[i] != null && hooks[i].actsOn(step) ? step : null;
        }

        /** Whether any row's hook is called in this pass. */
        @Override
        public boolean actsOn(ForwardStep step) {
            for (int i = 0; i < hooks.length; i++) {
                if (calls(i)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void onStep(ForwardStep step) {
            for (int i = 0; i < hooks.length; i++) {
                if (calls(i)) {
                    hooks[i].onStep(steps[i]);
                }
            }
        }

        @Override
        public void onLayerInput(int layer, NDArray hidden, ForwardStep step) {
            long q = hidden.getShape().get(1);
            for (int i = 0; i < hooks.length; i++) {
                if (calls(i)) {
                    hooks[i].onLayerInput(layer, Torch.narrow(Torch.narrow(hidden, 0, i, i + 1), 1, queryPads[i], q), steps[i]);
                }
            }
        }

        @Override
        public boolean editsScores() {
            return java.util.Arrays.stream(hooks).anyMatch(h -> h != null && h.editsScores());
        }

        @Override
        public NDArray onScores(int layer, NDArray scores, ForwardStep step) {
            return perSample(scores, i -> hooks[i].editsScores(), (i, view) -> hooks[i].onScores(layer, view, steps[i]));
        }

        @Override
        public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
            return perSample(attn, i -> true, (i, view) -> hooks[i].onAttention(layer, view, steps[i]));
        }

        /** Hands sample {@code i}'s rows and keys of {@code a} [B, H, Q, K] to {@code f}; writes back what it returns instead. */
        private NDArray perSample(NDArray a, java.util.function.IntPredicate wants, java.util.function.BiFunction<Integer, NDArray, NDArray> f) {
            long[] s = a.getShape().getShape();
            for (int i = 0; i < hooks.length; i++) {
                if (calls(i) && wants.test(i)) {
                    NDArray view = Torch.narrow(Torch.narrow(Torch.narrow(a, 0, i, i + 1), 2, queryPads[i], s[2]), 3, keyPads[i], s[3]);
                    NDArray out = f.apply(i, view);
                    if (out != view) {
                        write(a, out, new long[] {i, 0, queryPads[i], keyPads[i]}, new long[] {i + 1, s[1], s[2], s[3]});
                    }
                }
            }
            return a;
        }

        /** {@code a[from:to] = value} in place (basic slicing, {@code Tensor.index_put_}). */
        private static void write(NDArray a, NDArray value, long[] from, long[] to) {
            NDArray v = value.getDataType() == a.getDataType() ? value : value.toType(a.getDataType(), false);
            if (a instanceof PtNDArray pt && v instanceof PtNDArray pv) {
                JniUtils.indexSet(pt, pv, from, to, new long[] {1, 1, 1, 1});
            } else {
                a.set(new ai.djl.ndarray.index.NDIndex("{}:{}, {}:{}, {}:{}, {}:{}", from[0], to[0], from[1], to[1], from[2], to[2], from[3], to[3]), v);
            }
        }
    }
}
