package sinkscope.model.decoding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/** Transformers' sampling warpers in its order (temperature, top-k, top-p) on one row of scores, then the draw. */
public final class Sampling {
    private Sampling() {}

    /**
     * The warped scores [V] of {@code scores} [V] (a new array): {@code TemperatureLogitsWarper} (skipped at 1),
     * {@code TopKLogitsWarper} ({@code s < kth largest -> -inf}), {@code TopPLogitsWarper} (ascending sort, tokens
     * whose cumulative probability is {@code <= 1 - p} removed, the last, most likely, always kept; removal by value
     * at the first kept sorted score, so ties at that score are all kept).
     */
    public static NDArray warp(NDArray scores, Decoding d) {
        NDArray s = d.temperature() == 1 ? scores.duplicate() : scores.div((float) d.temperature());
        long v = s.getShape().get(0);
        if (d.topK() > 0 && d.topK() < v) {
            NDList top = s.topK(d.topK(), 0, true, true);
            try (top; NDArray kth = top.get(0).get(d.topK() - 1)) {
                s = masked(s, kth);
            }
        }
        if (d.topP() < 1) {
            try (NDArray sorted = s.sort(0); NDArray probs = sorted.softmax(0); NDArray cum = probs.cumSum(0);
                    NDArray removed = cum.lte((float) (1 - d.topP()))) {
                long n = Math.min(removed.toType(DataType.INT64, false).sum().getLong(), v - 1);
                try (NDArray first = sorted.get(n)) {
                    s = masked(s, first);
                }
            }
        }
        return s;
    }

    /** {@code s} with every entry below {@code limit} (a scalar array) set to {@code -inf}; closes {@code s}. */
    private static NDArray masked(NDArray s, NDArray limit) {
        try (s; NDArray drop = s.lt(limit); NDArray inf = s.getManager().full(s.getShape(), Float.NEGATIVE_INFINITY).toDevice(s.getDevice(), false)) {
            return NDArrays.where(drop, inf, s);
        }
    }

    /** One token drawn from {@code softmax(warp(scores))}. */
    public static long draw(NDArray scores, Decoding d, Draws draws) {
        try (NDArray w = warp(scores, d); NDArray probs = w.softmax(0)) {
            return draws.pick(probs);
        }
    }
}
