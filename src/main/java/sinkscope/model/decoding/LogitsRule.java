package sinkscope.model.decoding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

/**
 * How a sample's scores combine with those of its contrast input at every step: {@code apply(main, contrast)} gives
 * the scores [R, V] the decoding mode then works on (greedy argmax, sampling's warpers, or beam search's
 * accumulation). {@code contrast} is always the contrast input's raw float32 logits [R, V]. {@code main} is the main
 * input's raw logits, except in beam search for a rule that is a transformers logits processor
 * ({@link #processor()}), which gets {@code log_softmax(main)} there as transformers hands it.
 */
public interface LogitsRule {

    NDArray apply(NDArray main, NDArray contrast);

    /** Whether the rule is a transformers logits processor (PAI's guidance) rather than a rewrite of the logits (VCD). */
    default boolean processor() {
        return false;
    }

    /** {@code scores} with every entry where {@code reference < log(beta) + max(reference)} (per row) set to {@code -inf}. */
    static NDArray plausible(NDArray scores, NDArray reference, double beta) {
        float cutoff = (float) Math.log((float) beta);
        try (NDArray max = reference.max(new int[] {-1}, true); NDArray limit = max.add(cutoff); NDArray drop = reference.lt(limit);
                NDArray inf = scores.getManager().full(scores.getShape(), Float.NEGATIVE_INFINITY).toDevice(scores.getDevice(), false)) {
            return NDArrays.where(drop, inf, scores);
        }
    }
}
