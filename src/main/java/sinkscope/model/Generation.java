package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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

    /**
     * Greedy decoding of B prompts as one left-padded batch ({@link BatchedPrompts}): prompt {@code b} follows
     * {@code opts.get(b)} (its own token budget and EOS rule) and its hook sees its own passes, as in
     * {@link #greedy(Lmm, NDManager, Merged, Prefill, KvCache, GenerateOptions, AttentionHook)}; a prompt that has
     * finished rides along unseen until the last one finishes. Timings are the batch's (every result carries them).
     */
    static List<Generation> greedy(Lmm model, NDManager m, List<Merged> merged, List<GenerateOptions> opts, List<AttentionHook> hooks) {
        int b = merged.size();
        long t0 = System.nanoTime();
        int room = opts.stream().mapToInt(GenerateOptions::maxNewTokens).max().orElse(0);
        try (BatchedPrompts batch = BatchedPrompts.prefill(model.language(), m, merged, hooks, true, room)) {
            long t1 = System.nanoTime();
            long[][] tokens = new long[b][];
            float[][][] topValues = new float[b][][];
            long[][][] topIds = new long[b][][];
            int[] n = new int[b];
            boolean[] finished = new boolean[b];
            for (int i = 0; i < b; i++) {
                int max = opts.get(i).maxNewTokens();
                tokens[i] = new long[max];
                topValues[i] = new float[max][];
                topIds[i] = new long[max][];
                finished[i] = max == 0;
            }
            NDArray logits = batch.logits();
            boolean own = false; // the prefill's logits belong to the batch
            for (int index = 0;; index++) {
                long[] next;
                try (NDArray arg = logits.argMax(1)) {
                    next = arg.toType(DataType.INT64, false).toLongArray();
                }
                boolean[] active = new boolean[b];
                boolean any = false;
                for (int i = 0; i < b; i++) {
                    if (finished[i]) {
                        continue;
                    }
                    GenerateOptions o = opts.get(i);
                    if (o.topK() > 0) {
                        try (NDArray row = logits.get(i)) {
                            record(row, n[i], o.topK(), topValues[i], topIds[i]);
                        }
                    }
                    tokens[i][n[i]++] = next[i];
                    boolean stop = o.stopAtEos() && model.isEos(next[i]) || n[i] == o.maxNewTokens();
                    finished[i] = stop;
                    active[i] = !stop || o.consumeLast();
                    any |= active[i];
                }
                if (own) {
                    logits.close();
                }
                if (!any) {
                    break;
                }
                logits = batch.decode(m, next, index, active);
                own = true;
            }
            long t2 = System.nanoTime();
            List<Generation> out = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                Merged x = merged.get(i);
                out.add(new Generation(Arrays.copyOf(tokens[i], n[i]), Arrays.copyOf(topValues[i], n[i]), Arrays.copyOf(topIds[i], n[i]), x.length(),
                        x.imageStart(), x.imageEnd(), t1 - t0, t2 - t1));
            }
            return out;
        }
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
