package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;

/**
 * A hook that keeps copies of what the prefill pass computes: the hidden state entering every decoder layer
 * ([1, S, D], HF's {@code hidden_states[l]}) and every layer's attention as it multiplies V ([1, H, S, S]).
 * Copies live in the capture's own manager and are freed by {@link #close()}. It is what {@code inspect} writes
 * and what {@code bench-forward} measures as "capture on".
 */
public final class Capture implements AttentionHook, AutoCloseable {
    private final NDManager manager;
    private final boolean hidden;
    private final boolean attention;
    private final List<NDArray> layerInputs = new ArrayList<>();
    private final List<NDArray> attentions = new ArrayList<>();

    public Capture(NDManager parent, boolean hidden, boolean attention) {
        this.manager = parent.newSubManager();
        this.hidden = hidden;
        this.attention = attention;
    }

    @Override
    public void onLayerInput(int layer, NDArray h, ForwardStep step) {
        if (hidden && step.isPrefill()) {
            layerInputs.add(keep(h));
        }
    }

    @Override
    public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
        if (attention && step.isPrefill()) {
            attentions.add(keep(attn));
        }
        return attn;
    }

    private NDArray keep(NDArray a) {
        NDArray copy = a.duplicate();
        NDScope.unregister(copy);
        copy.attach(manager);
        return copy;
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
