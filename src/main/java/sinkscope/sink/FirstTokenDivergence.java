package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * How much an intervention moves the first generated token's distribution:
 * {@code KL(P || Q) = sum_v P(v) (log P(v) - log Q(v))} with {@code P = softmax(baseline logits)} and
 * {@code Q = softmax(intervened logits)}, computed in float32 with log-softmax (no epsilon needed).
 */
public final class FirstTokenDivergence {
    private FirstTokenDivergence() {}

    /** KL divergence in nats between the distributions of two logit vectors [V]. */
    public static double kl(NDArray baselineLogits, NDArray logits) {
        NDArray logP = baselineLogits.toType(DataType.FLOAT32, false).logSoftmax(-1);
        NDArray logQ = logits.toType(DataType.FLOAT32, false).logSoftmax(-1);
        try (NDArray terms = logP.exp().mul(logP.sub(logQ)); NDArray sum = terms.sum()) {
            return Math.max(0, sum.getFloat());
        } finally {
            logP.close();
            logQ.close();
        }
    }
}
