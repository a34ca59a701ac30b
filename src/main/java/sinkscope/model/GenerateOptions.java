package sinkscope.model;

/**
 * Greedy decoding settings; {@code topK > 0} records the k largest logits of every step. With
 * {@code consumeLast} the decoder also runs the pass whose input is the last generated token (HF's generate
 * stops before it); hooks then see one decode pass per generated token.
 */
public record GenerateOptions(int maxNewTokens, boolean stopAtEos, int topK, boolean consumeLast) {
    public GenerateOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens must be >= 0, got " + maxNewTokens);
        }
    }

    public GenerateOptions(int maxNewTokens, boolean stopAtEos, int topK) {
        this(maxNewTokens, stopAtEos, topK, false);
    }
}
