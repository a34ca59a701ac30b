package sinkscope.model;

import ai.djl.ndarray.NDArray;

/** What a prefill pass leaves: the residual stream after the last layer (pre-norm) [1, S, D] and the last logits [V]. */
public record Prefill(NDArray lastHidden, NDArray lastLogits) implements AutoCloseable {
    @Override
    public void close() {
        lastHidden.close();
        lastLogits.close();
    }
}
