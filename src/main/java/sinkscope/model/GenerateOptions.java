package sinkscope.model;

import sinkscope.model.decoding.Decoding;

/**
 * Generation settings: the token budget, whether EOS ends it, {@code topK > 0} to record the k largest scores of
 * every step (the scores that chose the token: the logits, or the contrast rule's output), and the decoding mode
 * ({@link Decoding}, greedy by default). With {@code consumeLast} the decoder also runs the pass whose input is the
 * last generated token (HF's generate stops before it); hooks then see one decode pass per generated token. Beam
 * search records no top-k and has no last pass to consume.
 */
public record GenerateOptions(int maxNewTokens, boolean stopAtEos, int topK, boolean consumeLast, Decoding decoding) {
    public GenerateOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
        if (decoding == null) {
            decoding = Decoding.GREEDY;
        }
        if (decoding.mode() == Decoding.Mode.BEAM && (topK > 0 || consumeLast)) {
            throw new IllegalArgumentException(decoding + ": beam search records no top-k logits and consumes no last token");
        }
    }

    public GenerateOptions(int maxNewTokens, boolean stopAtEos, int topK, boolean consumeLast) {
        this(maxNewTokens, stopAtEos, topK, consumeLast, Decoding.GREEDY);
    }

    public GenerateOptions(int maxNewTokens, boolean stopAtEos, int topK) {
        this(maxNewTokens, stopAtEos, topK, false, Decoding.GREEDY);
    }

    /** These settings with another decoding mode. */
    public GenerateOptions with(Decoding d) {
        return new GenerateOptions(maxNewTokens, stopAtEos, topK, consumeLast, d);
    }
}
