package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Shared prompt prefixes in a batched prefill. The prompts of a batch often begin alike: the same system text and the
 * same image (POPE asks six questions per image), and differ only in the question. {@link #plan} groups the prompts
 * whose merged inputs agree on a prefix of {@code P} positions: the same image rows, bit-identical embeddings, the same
 * rotary position rows and the same per-layer image additions. {@code P} is the common prefix of the group's prompts,
 * cut so that every prompt keeps at least one row of its own and no prompt's hook acts on a row before {@code P}
 * ({@link AttentionHook#prefillRowsFrom}: VAR's first row is the image end, the grounding probe's the last row; a hook
 * that says nothing, e.g. a {@link Capture}, keeps its prompt out of every group); {@code P} must cover the whole image
 * (the rows after it then hold no image row and no image addition). A group has at least two prompts.
 *
 * <p>{@link #prefill}: each group's prefix runs once (B = 1, hook-free; the hidden states entering each layer are kept
 * when a member's hook acts in the prefill), then each member's rows {@code P..S_b-1} run at B = 1 against its own copy
 * of the prefix's KV cache, at cache positions {@code P..} and rotary (or M-RoPE) positions continuing the prefix's,
 * its hook seeing one prefill pass of those rows against every key ({@link AttentionHook#onLayerInput} with the
 * prefix's hidden states in front of its own). A prompt in no group runs its whole prefill at B = 1. The rows are then
 * laid out as {@link BatchedPrompts#prefill} lays out a left-padded batch (prompt {@code b} after {@code S - S_b} pad
 * positions), so the batched decode goes on unchanged. The result equals the unshared prefill up to the kernels'
 * summation order: a query row's attention over keys {@code 0..q} is the same sum whether those keys were computed in
 * its pass or in an earlier one. On a CPU a prefill of a few hundred rows is GEMM-bound (a padded batch costs the
 * sum of its prompts), so what sharing saves is the prefix's rows, computed once per group instead of once per prompt.
 */
final class SharedPrefixes {
    private SharedPrefixes() {}

    /** Prompts {@code rows} (batch indices, ascending, at least two) share their first {@code length} positions. */
    record Group(int[] rows, int length) {}

    /** {@code -Dsinkscope.sharePrefixes=false} turns sharing off (read at every batch: benchmarks and tests compare both). */
    static boolean enabled() {
        return !"false".equals(System.getProperty("sinkscope.sharePrefixes"));
    }

    /** The groups of {@code merged} (prompt {@code b} with hook {@code hooks.get(b)}, may be null), as the class says. */
    static List<Group> plan(List<Merged> merged, List<AttentionHook> hooks, int numLayers) {
        int b = merged.size();
        int[] limit = new int[b];
        for (int i = 0; i < b; i++) {
            Merged x = merged.get(i);
            AttentionHook h = hooks.get(i);
            ForwardStep step = whole(x, numLayers);
            limit[i] = Math.min(x.length() - 1, h == null || !h.actsOn(step) ? Integer.MAX_VALUE : h.prefillRowsFrom(step));
        }
        boolean[] taken = new boolean[b];
        List<Group> groups = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            Merged x = merged.get(r);
            int need = whole(x, numLayers).hasImage() ? x.imageEnd() : 1;
            if (taken[r] || limit[r] < need) {
                continue;
            }
            int length = limit[r];
            List<Integer> rows = new ArrayList<>(List.of(r));
            for (int j = r + 1; j < b; j++) {
                if (taken[j] || limit[j] < need) {
                    continue;
                }
                int common = Math.min(Math.min(length, limit[j]), commonPrefix(x, merged.get(j)));
                if (common >= need) {
                    length = common;
                    rows.add(j);
                }
            }
            if (rows.size() > 1) {
                rows.forEach(i -> taken[i] = true);
                groups.add(new Group(rows.stream().mapToInt(Integer::intValue).toArray(), length));
            }
        }
        return groups;
    }

    /**
     * The shared prefill of {@code merged} (see the class) with room for {@code room} decode steps, its last logits
     * [B, V] attached to {@code m}; null when {@link #plan} finds no group (the caller runs the unshared batch).
     */
    static BatchedPrompts prefill(LlamaModel lm, NDManager m, List<Merged> merged, List<AttentionHook> hooks, int room) {
        List<Group> groups = plan(merged, hooks, lm.numLayers());
        if (groups.isEmpty()) {
            return null;
        }
        int b = merged.size();
        int s = 0;
        for (Merged x : merged) {
            if (x.positionIds() == null && x.length() > lm.rope().maxPositions()) {
                throw new IllegalArgumentException("sequence of " + x.length() + " positions exceeds max_position_embeddings " + lm.rope().maxPositions());
            }
            s = Math.max(s, x.length());
        }
        KvCache[] rows = new KvCache[b];
        NDArray[] logits = new NDArray[b];
        try {
            for (Group g : groups) {
                Merged x = merged.get(g.rows()[0]);
                boolean observed = Arrays.stream(g.rows()).anyMatch(r -> hooks.get(r) != null && hooks.get(r).actsOn(whole(merged.get(r), lm.numLayers())));
                try (LayerInputs inputs = observed ? new LayerInputs(m, lm.numLayers()) : null; KvCache prefix = new KvCache(lm.numLayers())) {
                    run(lm, m, x, 0, g.length(), prefix, inputs, true);
                    for (int r : g.rows()) {
                        Merged y = merged.get(r);
                        rows[r] = prefix.copy(y.length() - g.length());
                        AttentionHook h = hooks.get(r) == null || inputs == null ? hooks.get(r) : new Continued(hooks.get(r), inputs.arrays);
                        logits[r] = run(lm, m, y, g.length(), y.length(), rows[r], h, false);
                    }
                }
            }
            for (int r = 0; r < b; r++) {
                if (rows[r] == null) {
                    rows[r] = new KvCache(lm.numLayers());
                    logits[r] = run(lm, m, merged.get(r), 0, merged.get(r).length(), rows[r], hooks.get(r), false);
                }
            }
            KvCache cache = KvCache.stack(List.of(rows), s, room);
            int[] pads = new int[b];
            for (int i = 0; i < b; i++) {
                pads[i] = s - merged.get(i).length();
            }
            NDArray all = NDArrays.stack(new NDList(logits));
            NDScope.unregister(all);
            return BatchedPrompts.of(lm, merged, hooks, pads, cache, all);
        } finally {
            for (int i = 0; i < b; i++) {
                if (rows[i] != null) {
                    rows[i].close();
                }
                if (logits[i] != null) {
                    logits[i].close();
                }
            }
        }
    }

    /**
     * One prefill pass of {@code x}'s positions {@code [from, to)} after the {@code from} positions {@code cache} holds,
     * with {@code hook} (may be null), Qwen3-VL's image additions when the pass holds the image; the last row's float32
     * logits [V] attached to {@code m}, or none when {@code prefixOnly}.
     */
    private static NDArray run(LlamaModel lm, NDManager m, Merged x, int from, int to, KvCache cache, AttentionHook hook, boolean prefixOnly) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ForwardStep step = new ForwardStep(-1, from, to - from, x.imageStart(), x.imageEnd(), lm.numLayers());
            Merged part = new Merged(Torch.narrow(x.inputsEmbeds(), 1, from, to), x.imageStart() - from, x.imageEnd() - from, null, 0, x.imageAdditions());
            NDArray[] after = from == 0 ? LlamaModel.imageAdditions(m, List.of(part), new int[1], to) : null;
            RotaryEmbedding.Rows rope;
            if (x.positionIds() == null) {
                rope = lm.rope().rows(from, to - from);
            } else {
                long[][] ids = new long[x.positionIds().length][];
                for (int r = 0; r < ids.length; r++) {
                    ids[r] = Arrays.copyOfRange(x.positionIds()[r], from, to);
                }
                rope = lm.rope().rows(m, ids, lm.config().mropeSection(), lm.config().mropeInterleaved());
            }
            NDArray hidden = lm.layers(part.inputsEmbeds(), cache, step, hook, rope, null, after);
            if (prefixOnly) {
                hidden.close();
                return null;
            }
            NDArray logits = lm.lastLogits(hidden).get(0);
            hidden.close(); // unregistered by the layers
            NDScope.unregister(logits);
            logits.attach(m);
            return logits;
        }
    }

    /** The prefill step of the whole of {@code x} in one pass. */
    private static ForwardStep whole(Merged x, int numLayers) {
        return new ForwardStep(-1, 0, x.length(), x.imageStart(), x.imageEnd(), numLayers);
    }

    /**
     * The number of leading positions on which {@code a} and {@code b} agree: the same image rows and image additions
     * (else 0), bit-identical embedding rows and the same rotary position rows.
     */
    static int commonPrefix(Merged a, Merged b) {
        if (a.imageStart() != b.imageStart() || a.imageEnd() != b.imageEnd() || (a.positionIds() == null) != (b.positionIds() == null)
                || (a.imageAdditions() == null) != (b.imageAdditions() == null)
                || a.inputsEmbeds().getDataType() != b.inputsEmbeds().getDataType()) {
            return 0;
        }
        int n = Math.min(a.length(), b.length());
        if (a.positionIds() != null) {
            if (a.positionIds().length != b.positionIds().length) {
                return 0;
            }
            for (int q = 0; q < n; q++) {
                for (int r = 0; r < a.positionIds().length; r++) {
                    if (a.positionIds()[r][q] != b.positionIds()[r][q]) {
                        n = q;
                    }
                }
            }
        }
        if (a.imageAdditions() != null && a.imageAdditions() != b.imageAdditions()
                && !(a.imageAdditions().getShape().equals(b.imageAdditions().getShape()) && a.imageAdditions().contentEquals(b.imageAdditions()))) {
            return 0;
        }
        if (a.inputsEmbeds() == b.inputsEmbeds() || n == 0) {
            return n;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray ea = Torch.narrow(a.inputsEmbeds(), 1, 0, n);
            NDArray eb = Torch.narrow(b.inputsEmbeds(), 1, 0, n);
            long[] differing = ea.neq(eb).toType(DataType.INT64, false).sum(new int[] {0, 2}).toLongArray();
            for (int q = 0; q < n; q++) {
                if (differing[q] != 0) {
                    return q;
                }
            }
            return n;
        }
    }

    /** Keeps copies of the hidden states entering each layer (attached to the sample's manager) for the prompts that continue the prefix. */
    private static final class LayerInputs implements AttentionHook, AutoCloseable {
        private final NDManager m;
        final NDArray[] arrays;

        LayerInputs(NDManager m, int layers) {
            this.m = m;
            this.arrays = new NDArray[layers];
        }

        @Override
        public void onLayerInput(int layer, NDArray hidden, ForwardStep step) {
            NDArray copy = hidden.duplicate();
            NDScope.unregister(copy);
            copy.attach(m);
            arrays[layer] = copy;
        }

        @Override
        public void close() {
            for (NDArray a : arrays) {
                if (a != null) {
                    a.close();
                }
            }
        }
    }

    /** A prompt's hook in the pass that continues a shared prefix: its layer inputs with the prefix's rows in front. */
    private record Continued(AttentionHook delegate, NDArray[] prefix) implements AttentionHook.Forwarding {
        @Override
        public void onLayerInput(int layer, NDArray hidden, ForwardStep step) {
            delegate.onLayerInput(layer, prefix[layer].concat(hidden, 1), step);
        }
    }
}
