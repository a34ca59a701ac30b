package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;

/**
 * The result of greedy generation: token ids, optional per-step top-k, and timings (nanoseconds).
 * {@code topValues[i]}/{@code topIds[i]} describe the logits that chose token {@code i}.
 */
public record Generation(long[] tokens, float[][] topValues, long[][] topIds, int promptLength, int imageStart, int imageEnd,
        long prefillNanos, long decodeNanos) {

    Generation withPrefillNanos(long nanos) {
        return new Generation(tokens, topValues, topIds, promptLength, imageStart, imageEnd, nanos, decodeNanos);
    }

    /**
     * Greedy decoding after {@code prefill}: the argmax over the whole vocabulary at every step (ids past the
     * tokenizer's vocabulary included), stopping at the model's EOS ids when asked. The hook sees every decode
     * pass (step 0, 1, ...). The prefill's logits are consumed (closed).
     */
    static Generation greedy(Lmm model, NDManager m, Merged merged, Prefill prefill, KvCache cache, GenerateOptions opts, AttentionHook hook) {
        long t1 = System.nanoTime();
        int max = opts.maxNewTokens();
        long[] tokens = new long[max];
        float[][] topValues = new float[max][];
        long[][] topIds = new long[max][];
        NDArray logits = prefill.lastLogits();
        int n = 0;
        while (n < max) {
            long next = record(logits, n, opts.topK(), topValues, topIds);
            tokens[n++] = next;
            logits.close();
            boolean eos = opts.stopAtEos() && model.isEos(next);
            if ((eos || n == max) && !opts.consumeLast()) {
                break;
            }
            logits = model.decode(m, next, cache, n - 1, merged, hook);
            if (eos || n == max) {
                logits.close();
                break;
            }
        }
        long t2 = System.nanoTime();
        return new Generation(Arrays.copyOf(tokens, n), Arrays.copyOf(topValues, n), Arrays.copyOf(topIds, n), merged.length(), merged.imageStart(),
                merged.imageEnd(), 0, t2 - t1);
    }

    private static long record(NDArray logits, int i, int topK, float[][] topValues, long[][] topIds) {
        if (topK > 0) {
            NDList top = logits.topK(topK, 0, true, true);
            topValues[i] = top.get(0).toFloatArray();
            topIds[i] = top.get(1).toType(DataType.INT64, false).toLongArray();
            top.close();
        }
        try (NDArray arg = logits.argMax()) {
            return arg.getLong();
        }
    }
}
