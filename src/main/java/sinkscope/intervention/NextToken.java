package sinkscope.intervention;

import sinkscope.model.Contrast;
import sinkscope.model.decoding.Decoding;

/**
 * The logits-level capability of an {@link Intervention} for one sample ({@link Intervention#nextToken}): how its next
 * token is chosen ({@link Decoding}: greedy, seeded sampling or beam search) and, optionally, a second prepared input
 * whose logits join the main ones at every step ({@link Contrast}: VCD's noised image, PAI's text-only prompt), with
 * its own KV cache, decoded beside the main input (batched with it where the model batches).
 *
 * @param decoding the decoding mode, seeded with the sample's seed ({@link Context#seed})
 * @param contrast the second input and its logits rule, or null
 */
public record NextToken(Decoding decoding, Contrast contrast) {

    public NextToken {
        if (decoding == null) {
            throw new IllegalArgumentException("a next-token choice needs its decoding mode (Decoding.GREEDY for greedy)");
        }
    }
}
