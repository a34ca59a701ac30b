package sinkscope.intervention;

import sinkscope.model.Contrast;
import sinkscope.model.decoding.Decoding;
import sinkscope.model.decoding.Opera;

/**
 * The logits-level capability of an {@link Intervention} for one sample ({@link Intervention#nextToken}): how its next
 * token is chosen ({@link Decoding}: greedy, seeded sampling or beam search) and, optionally, a second prepared input
 * whose logits join the main ones at every step ({@link Contrast}: VCD's noised image, PAI's text-only prompt), with
 * its own KV cache, decoded beside the main input (batched with it where the model batches); or OPERA's own beam
 * search ({@link Opera}, run by {@code sinkscope.model.OperaDecoder}), which replaces the decoding mode and takes no
 * second input.
 *
 * @param decoding the decoding mode, seeded with the sample's seed ({@link Context#seed}); {@link Decoding#GREEDY}
 *     with {@code opera}
 * @param contrast the second input and its logits rule, or null
 * @param opera OPERA's settings, or null
 */
public record NextToken(Decoding decoding, Contrast contrast, Opera opera) {

    public NextToken {
        if (decoding == null) {
            throw new IllegalArgumentException("a next-token choice needs its decoding mode (Decoding.GREEDY for greedy)");
        }
        if (opera != null && (contrast != null || decoding != Decoding.GREEDY)) {
            throw new IllegalArgumentException("OPERA runs its own beam search: no other decoding mode and no second input");
        }
    }

    public NextToken(Decoding decoding, Contrast contrast) {
        this(decoding, contrast, null);
    }

    /** OPERA's generation with settings {@code opera}. */
    public static NextToken opera(Opera opera) {
        return new NextToken(Decoding.GREEDY, null, opera);
    }
}
