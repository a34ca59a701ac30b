package sinkscope.model;

import ai.djl.ndarray.NDArray;

/**
 * What a caller may see and change inside the decoder, layer by layer: the hidden state entering a layer
 * (before its {@code input_layernorm}), the attention scores before softmax ({@link #onScores}, for a hook that says
 * it edits them, {@link #editsScores}) and the post-softmax attention before it multiplies V.
 *
 * <p>The runtime calls a hook only when one is attached; with none the forward pass does no extra work.
 * Arrays handed to a hook belong to the forward pass and are closed after the layer: a hook that keeps
 * something copies or reduces it (on the device) first. A hook may rewrite the attention in place (VAR does:
 * the rows it changes are a small part of the array) and says so ({@link #rewritesAttention}). The forward pass
 * itself only reads the array the last hook returns, so a hook may keep that array instead of copying it when no
 * hook after it rewrites in place ({@link #keepsAttention}; {@link #chain} refuses the other order). A caller that
 * hands a hook an array it still needs hands it a copy. Hooks run on the forward pass's thread.
 */
public interface AttentionHook {

    /**
     * Called with {@code hidden} [B, Q, D], the residual stream entering decoder layer {@code layer}. In a prefill pass
     * that continues a prefix computed without this hook ({@code step.queryStart() > 0}: a prompt prefix shared by
     * several prompts of a batch, see {@link #prefillRowsFrom}), {@code hidden} holds every position {@code 0..K-1}
     * ([1, K, D]: the prefix's rows, then this pass's), so the hidden states a hook reads are those of one whole pass.
     */
    default void onLayerInput(int layer, NDArray hidden, ForwardStep step) {}

    /**
     * Called with the post-softmax attention {@code attn} [B, H, Q, K] (float32) of decoder layer
     * {@code layer}. Returns the weights that multiply V: {@code attn} itself (possibly rewritten in place) or an
     * array of the same shape.
     */
    default NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
        return attn;
    }

    /**
     * Called, only when {@link #editsScores} is true, with the scores {@code s} [B, H, Q, K] (float32) of decoder layer
     * {@code layer} just before softmax: {@code q k^T / sqrt(d)} with the causal (or padding) mask already added, as the
     * official PAI and VAF attention code sees them. Returns the scores softmax reads: {@code s} itself (edited in
     * place) or an array of the same shape. Without such a hook the forward pass makes no extra call.
     */
    default NDArray onScores(int layer, NDArray s, ForwardStep step) {
        return s;
    }

    /** True for a hook that edits the scores before softmax ({@link #onScores}). */
    default boolean editsScores() {
        return false;
    }

    /**
     * Whether the hook does anything in the forward pass of {@code step} (default true). Where it says false the pass
     * may leave it out: a batch makes no views for it, and a pass with no hook that acts runs hook-free (a hook that
     * only reads the prefill lets the decode steps of its batch run at full speed).
     */
    default boolean actsOn(ForwardStep step) {
        return true;
    }

    /**
     * The first position of a prefill {@code step} (the whole prompt in one pass) whose attention this hook reads or
     * changes, or that it needs to see as a query row (default 0: every row). The rows before it may be computed in an
     * earlier pass without the hook, once for several prompts that share them ({@link SharedPrefixes}); the hook then
     * sees one prefill pass of the remaining query rows ({@code step.queryStart() > 0}) against every key, and
     * {@link #onLayerInput} still the hidden states of every position. A hook that acts on no row of the prefill may
     * return {@link Integer#MAX_VALUE}.
     */
    default int prefillRowsFrom(ForwardStep step) {
        return 0;
    }

    /** Called once at the start of every forward pass (prefill and each decode step). */
    default void onStep(ForwardStep step) {}

    /** True for a hook that may write into the attention array it is handed (VAR). */
    default boolean rewritesAttention() {
        return false;
    }

    /** True for a hook that keeps the attention array it is handed, uncopied, past the layer ({@link Capture}). */
    default boolean keepsAttention() {
        return false;
    }

    /**
     * Runs {@code first} then {@code second}; the second sees the attention the first returned. Refuses a
     * {@code first} that keeps the array it sees ahead of a {@code second} that rewrites it in place: what the first
     * kept would change under it ({@link Capture#copying} keeps a copy instead), or ahead of a second that keeps it too.
     */
    static AttentionHook chain(AttentionHook first, AttentionHook second) {
        if (first == null) {
            return second;
        }
        if (second == null) {
            return first;
        }
        if (first.keepsAttention() && (second.rewritesAttention() || second.keepsAttention())) {
            throw new IllegalArgumentException(first.getClass().getSimpleName() + " keeps the attention it sees uncopied and "
                    + second.getClass().getSimpleName() + " after it " + (second.rewritesAttention() ? "rewrites it in place" : "keeps it too")
                    + ": chain a copying Capture first (Capture.copying)");
        }
        return new AttentionHook() {
            @Override
            public boolean rewritesAttention() {
                return first.rewritesAttention() || second.rewritesAttention();
            }

            @Override
            public boolean keepsAttention() {
                return first.keepsAttention() || second.keepsAttention();
            }

            @Override
            public boolean editsScores() {
                return first.editsScores() || second.editsScores();
            }

            @Override
            public NDArray onScores(int layer, NDArray s, ForwardStep step) {
                NDArray edited = first.editsScores() ? first.onScores(layer, s, step) : s;
                return second.editsScores() ? second.onScores(layer, edited, step) : edited;
            }

            @Override
            public boolean actsOn(ForwardStep step) {
                return first.actsOn(step) || second.actsOn(step);
            }

            @Override
            public int prefillRowsFrom(ForwardStep step) {
                int a = first.actsOn(step) ? first.prefillRowsFrom(step) : Integer.MAX_VALUE;
                return Math.min(a, second.actsOn(step) ? second.prefillRowsFrom(step) : Integer.MAX_VALUE);
            }

            @Override
            public void onStep(ForwardStep step) {
                first.onStep(step);
                second.onStep(step);
            }

            @Override
            public void onLayerInput(int layer, NDArray hidden, ForwardStep step) {
                first.onLayerInput(layer, hidden, step);
                second.onLayerInput(layer, hidden, step);
            }

            @Override
            public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
                return second.onAttention(layer, first.onAttention(layer, attn, step), step);
            }
        };
    }

    /**
     * A hook that passes every call to {@link #delegate()}: wrappers override only what they change, and a method
     * added to {@code AttentionHook} reaches the wrapped hook without each wrapper learning of it.
     */
    interface Forwarding extends AttentionHook {
        AttentionHook delegate();

        @Override
        default void onLayerInput(int layer, NDArray hidden, ForwardStep step) {
            delegate().onLayerInput(layer, hidden, step);
        }

        @Override
        default NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
            return delegate().onAttention(layer, attn, step);
        }

        @Override
        default NDArray onScores(int layer, NDArray s, ForwardStep step) {
            return delegate().onScores(layer, s, step);
        }

        @Override
        default boolean editsScores() {
            return delegate().editsScores();
        }

        @Override
        default boolean actsOn(ForwardStep step) {
            return delegate().actsOn(step);
        }

        @Override
        default int prefillRowsFrom(ForwardStep step) {
            return delegate().prefillRowsFrom(step);
        }

        @Override
        default void onStep(ForwardStep step) {
            delegate().onStep(step);
        }

        @Override
        default boolean rewritesAttention() {
            return delegate().rewritesAttention();
        }

        @Override
        default boolean keepsAttention() {
            return delegate().keepsAttention();
        }
    }
}
