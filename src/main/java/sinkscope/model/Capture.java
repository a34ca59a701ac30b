package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;

/**
 * A hook that keeps what the prefill pass computes: the hidden state entering every decoder layer ([1, S, D], HF's
 * {@code hidden_states[l]}, copied) and every layer's attention as it multiplies V ([1, H, S, S]). The attention is
 * kept as the array itself, moved out of the layer's scope, since the forward pass only reads it after the hooks: at
 * LLaVA-NeXT's 2920 tokens one map is H x 2920^2 floats (545 MB at 16 heads), and a copy of it is a second pass over
 * that much fresh memory. So it must be the last hook to see the attention, or no later hook may rewrite it in place
 * ({@link AttentionHook#chain} checks); {@link #copying} keeps copies and may sit anywhere in a chain. What it keeps
 * lives in the capture's own manager and is freed by {@link #close()}. It is what {@code inspect} writes and what
 * {@code bench-forward} measures as "capture on".
 */
public final class Capture implements AttentionHook, AutoCloseable {
    private final NDManager manager;
    private final boolean hidden;
    private final boolean attention;
    private final boolean copyAttention;
    private final List<NDArray> layerInputs = new ArrayList<>();
    private final List<NDArray> attentions = new ArrayList<>();

    /** Keeps the hidden states ({@code hidden}) and the attention arrays themselves ({@code attention}). */
    public Capture(NDManager parent, boolean hidden, boolean attention) {
        this(parent, hidden, attention, false);
    }

    private Capture(NDManager parent, boolean hidden, boolean attention, boolean copyAttention) {
        this.manager = parent.newSubManager();
        this.hidden = hidden;
        this.attention = attention;
        this.copyAttention = copyAttention;
    }

    /** Keeps copies of the attention, so a later hook may rewrite the arrays it saw (the attention before VAR). */
    public static Capture copying(NDManager parent, boolean hidden, boolean attention) {
        return new Capture(parent, hidden, attention, true);
    }

    @Override
    public boolean keepsAttention() {
        return attention && !copyAttention;
    }

    @Override
    public void onLayerInput(int layer, NDArray h, ForwardStep step) {
        if (hidden && step.isPrefill()) {
            layerInputs.add(keep(h.duplicate()));
        }
    }

    @Override
    public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
        if (attention && step.isPrefill()) {
            attentions.add(keep(copyAttention ? attn.duplicate() : attn));
        }
        return attn;
    }

    /** Moves {@code a} out of the forward pass's scope into this capture's manager. */
    private NDArray keep(NDArray a) {
        NDScope.unregister(a);
        a.attach(manager);
        return a;
    }

    /** Hidden states entering layers 0..L-1, each [1, S, D]. */
    public List<NDArray> layerInputs() {
        return layerInputs;
    }

    /** Attention of layers 0..L-1 after any earlier hook in the chain, each [1, H, S, S]. */
    public List<NDArray> attentions() {
        return attentions;
    }

    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
