package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import sinkscope.model.decoding.BeamSearch;
import sinkscope.model.decoding.Decoding;
import sinkscope.model.decoding.Draws;
import sinkscope.model.decoding.LogitsRule;
import sinkscope.model.decoding.Sampling;

/**
 * The result of a generation: token ids, optional per-step top-k, and timings (nanoseconds).
 * {@code topValues[i]}/{@code topIds[i]} describe the scores that chose token {@code i} (none under beam search).
 *
 * <p>The two loops (one prompt after its prefill; a left-padded batch of prompts) share one step: every sample's
 * rows (one, or its beams) give logits [R, V]; with a {@link Contrast} its own rows give the contrast logits and
 * {@link LogitsRule} combines them; the sample's {@link Decoding} picks the next tokens and, for beams, the rows they
 * continue, which the KV cache is reordered to ({@link KvCache#select}, only when the order changes).
 */
public record Generation(long[] tokens, float[][] topValues, long[][] topIds, int promptLength, int imageStart, int imageEnd,
        long prefillNanos, long decodeNanos) {

    Generation withPrefillNanos(long nanos) {
        return new Generation(tokens, topValues, topIds, promptLength, imageStart, imageEnd, nanos, decodeNanos);
    }

    /** A prepared contrast input: its merged prompt, its prefill (logits consumed) and its own KV cache. */
    record Side(Contrast spec, Merged merged, Prefill prefill, KvCache cache) {}

    /**
     * Decoding after {@code prefill} as {@code opts.decoding()} says (greedy: the argmax over the whole vocabulary,
     * ids past the tokenizer's included), stopping at the model's EOS ids when asked. The hook sees every decode pass
     * (step 0, 1, ...; with beams, each beam's row as its own call). With {@code contrast} (may be null) its cache is
     * decoded beside, one more forward per step. The prefills' logits are consumed (closed).
     */
    static Generation single(Lmm model, NDManager m, Merged merged, Prefill prefill, KvCache cache, GenerateOptions opts, AttentionHook hook,
            Side contrast) {
        long t1 = System.nanoTime();
        Rows main = new SingleRows(model, merged, cache, hook);
        Rows side = contrast == null ? null : new SingleRows(model, contrast.merged(), contrast.cache(), null);
        Sample s = new Sample(model, opts, contrast == null ? null : contrast.spec(), 0, contrast == null ? -1 : 0);
        NDArray first = prefill.lastLogits().expandDims(0);
        NDArray sideFirst = contrast == null ? null : contrast.prefill().lastLogits().expandDims(0);
        loop(m, List.of(s), main, side, first, sideFirst);
        first.close();
        prefill.lastLogits().close();
        if (contrast != null) {
            sideFirst.close();
            contrast.prefill().lastLogits().close();
        }
        long t2 = System.nanoTime();
        return s.result(merged, 0, t2 - t1);
    }

    /**
     * Decoding of B prompts as one left-padded batch ({@link BatchedPrompts}): prompt {@code b} follows
     * {@code opts.get(b)} (its own budget, EOS rule and decoding mode) and its hook sees its own passes, as in
     * {@link #single}; a prompt that has finished rides along unseen until the last one finishes. A prompt with a
     * contrast ({@code contrasts.get(b)} non-null, its merged prompt {@code contrastMerged.get(b)}) has its contrast
     * rows in the same batch, after all the main rows: one forward per step over both. Prompts that begin alike (the
     * same image, another question) compute their common prefix once ({@link SharedPrefixes}) unless
     * {@code -Dsinkscope.sharePrefixes=false}. Timings are the batch's.
     */
    static List<Generation> batched(Lmm model, NDManager m, List<Merged> merged, List<GenerateOptions> opts, List<AttentionHook> hooks,
            List<Contrast> contrasts, List<Merged> contrastMerged) {
        int b = merged.size();
        long t0 = System.nanoTime();
        int room = opts.stream().mapToInt(GenerateOptions::maxNewTokens).max().orElse(0);
        List<Merged> rows = new ArrayList<>(merged);
        List<AttentionHook> rowHooks = new ArrayList<>(hooks);
        int[] contrastRow = new int[b];
        for (int i = 0; i < b; i++) {
            contrastRow[i] = -1;
            if (contrasts != null && contrasts.get(i) != null) {
                contrastRow[i] = rows.size();
                rows.add(contrastMerged.get(i));
                rowHooks.add(null);
            }
        }
        BatchedPrompts shared = SharedPrefixes.enabled() ? SharedPrefixes.prefill(model.language(), m, rows, rowHooks, room) : null;
        try (BatchedPrompts batch = shared != null ? shared : BatchedPrompts.prefill(model.language(), m, rows, rowHooks, true, room)) {
            long t1 = System.nanoTime();
            List<Sample> samples = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                samples.add(new Sample(model, opts.get(i), contrastRow[i] < 0 ? null : contrasts.get(i), i, contrastRow[i]));
            }
            loop(m, samples, new BatchRows(batch), null, batch.logits(), null);
            long t2 = System.nanoTime();
            List<Generation> out = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                out.add(samples.get(i).result(merged.get(i), t1 - t0, t2 - t1));
            }
            return out;
        }
    }

    /** Decode rows that can be reordered: a batch, or one prompt's cache. */
    private interface Rows {
        /** Logits [R, V] of one pass of {@code tokens} (one per row); hooks called for the {@code active} rows. */
        NDArray decode(NDManager m, long[] tokens, int index, boolean[] active);

        void select(long[] rows);
    }

    private record BatchRows(BatchedPrompts batch) implements Rows {
        @Override
        public NDArray decode(NDManager m, long[] tokens, int index, boolean[] active) {
            return batch.decode(m, tokens, index, active);
        }

        @Override
        public void select(long[] rows) {
            batch.select(rows);
        }
    }

    /** One prompt's cache: the model's own decode pass while it has one row, a batch of its rows once beams fork it. */
    private static final class SingleRows implements Rows {
        private final Lmm model;
        private final Merged merged;
        private final KvCache cache;
        private final AttentionHook hook;
        private BatchedPrompts forked;

        SingleRows(Lmm model, Merged merged, KvCache cache, AttentionHook hook) {
            this.model = model;
            this.merged = merged;
            this.cache = cache;
            this.hook = hook;
        }

        @Override
        public NDArray decode(NDManager m, long[] tokens, int index, boolean[] active) {
            if (forked != null) {
                return forked.decode(m, tokens, index, active);
            }
            try (NDArray row = model.decode(m, tokens[0], cache, index, merged, hook)) {
                return row.expandDims(0);
            }
        }

        @Override
        public void select(long[] rows) {
            if (forked == null) {
                forked = BatchedPrompts.of(model.language(), merged, cache, hook);
            }
            forked.select(rows);
        }
    }

    /** One sample's decoding state and where its rows sit (main rows in {@code main}, contrast rows after them or in the side rows). */
    private static final class Sample {
        final GenerateOptions opts;
        final Decoding decoding;
        final LogitsRule rule;
        final boolean followsBeams;
        final Draws draws;
        final BeamSearch beam;
        final long[] tokens;
        final float[][] topValues;
        final long[][] topIds;
        final Lmm model;
        int n;
        boolean finished;
        boolean lastPass;
        int mainStart;
        int contrastStart;
        int width = 1;

        Sample(Lmm model, GenerateOptions opts, Contrast contrast, int mainStart, int contrastStart) {
            this.model = model;
            this.opts = opts;
            this.decoding = opts.decoding();
            this.rule = contrast == null ? null : contrast.rule();
            this.followsBeams = contrast == null || contrast.followsBeams();
            this.draws = decoding.mode() == Decoding.Mode.SAMPLE ? decoding.draws() : null;
            int max = opts.maxNewTokens();
            this.beam = decoding.mode() == Decoding.Mode.BEAM
                    ? new BeamSearch(decoding.numBeams(), decoding.lengthPenalty(), max, opts.stopAtEos(), model::isEos,
                            model.config().text().eosTokenIds().length)
                    : null;
            tokens = new long[max];
            topValues = new float[max][];
            topIds = new long[max][];
            this.mainStart = mainStart;
            this.contrastStart = contrastStart;
            finished = max == 0;
        }

        boolean hasContrast() {
            return contrastStart >= 0;
        }

        /**
         * Chooses the next tokens from this sample's main logits [R, V] (and contrast logits, or null); returns the
         * source row (0..R-1) of each new row, and sets {@link #next}.
         */
        int[] choose(NDArray main, NDArray contrast) {
            if (beam != null) {
                boolean processor = rule != null && rule.processor();
                try (NDArray logp = main.logSoftmax(-1); NDArray scored = rule == null ? null : rule.apply(processor ? logp : main, contrast);
                        NDArray normed = rule == null || processor ? null : scored.logSoftmax(-1)) {
                    NDArray processed = rule == null ? logp : processor ? scored : normed;
                    int[] source = beam.step(processed);
                    next = beam.lastTokens();
                    finished = beam.done();
                    width = source.length;
                    return source;
                }
            }
            try (NDArray scores = rule == null ? null : rule.apply(main, contrast); NDArray s = (scores == null ? main : scores).get(0)) {
                if (opts.topK() > 0) {
                    NDList top = s.topK(opts.topK(), 0, true, true);
                    topValues[n] = top.get(0).toFloatArray();
                    topIds[n] = top.get(1).toType(DataType.INT64, false).toLongArray();
                    top.close();
                }
                long id;
                if (draws != null) {
                    id = Sampling.draw(s, decoding, draws);
                } else {
                    try (NDArray arg = s.argMax()) {
                        id = arg.getLong();
                    }
                }
                tokens[n++] = id;
                boolean stop = opts.stopAtEos() && model.isEos(id) || n == opts.maxNewTokens();
                finished = stop;
                lastPass = stop && opts.consumeLast();
                next = new long[] {id};
                return new int[] {0};
            }
        }

        long[] next;

        Generation result(Merged merged, long prefillNanos, long decodeNanos) {
            if (beam != null) {
                long[] best = beam.best();
                return new Generation(best, new float[best.length][], new long[best.length][], merged.length(), merged.imageStart(), merged.imageEnd(),
                        prefillNanos, decodeNanos);
            }
            return new Generation(Arrays.copyOf(tokens, n), Arrays.copyOf(topValues, n), Arrays.copyOf(topIds, n), merged.length(), merged.imageStart(),
                    merged.imageEnd(), prefillNanos, decodeNanos);
        }
    }

    /**
     * The shared step loop. {@code main} holds every sample's main rows (and, when {@code side} is null, its contrast
     * rows after all main rows); {@code side} holds the contrast rows of the single loop. {@code logits} and
     * {@code sideLogits} are the prefills' (not closed here).
     */
    private static void loop(NDManager m, List<Sample> samples, Rows main, Rows side, NDArray logits, NDArray sideLogits) {
        boolean own = false;
        for (int index = 0;; index++) {
            int[][] sources = new int[samples.size()][];
            int[] oldWidth = new int[samples.size()];
            for (int i = 0; i < samples.size(); i++) {
                Sample s = samples.get(i);
                oldWidth[i] = s.width;
                if (s.finished) {
                    s.next = null;
                    continue;
                }
                NDArray cl = !s.hasContrast() ? null : side != null ? sideLogits : logits;
                try (NDArray ml = rows(logits, s.mainStart, s.width); NDArray cs = cl == null ? null : rows(cl, s.contrastStart, s.width)) {
                    sources[i] = s.choose(ml, cs);
                }
            }
            if (own) {
                logits.close();
                if (sideLogits != null) {
                    sideLogits.close();
                }
            }
            boolean any = false;
            for (Sample s : samples) {
                any |= !s.finished || s.lastPass;
            }
            if (!any) {
                return;
            }
            // new row layout: every sample's main rows in sample order, then (batched loop) the contrast rows
            List<long[]> mainRows = new ArrayList<>();
            List<long[]> sideRows = new ArrayList<>();
            List<Long> mainTokens = new ArrayList<>();
            List<Long> sideTokens = new ArrayList<>();
            List<Boolean> mainActive = new ArrayList<>();
            List<Boolean> sideActive = new ArrayList<>();
            int[] newMain = new int[samples.size()];
            int[] newContrast = new int[samples.size()];
            for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i < samples.size(); i++) {
                    Sample s = samples.get(i);
                    if (pass == 1 && !s.hasContrast()) {
                        continue;
                    }
                    boolean active = !s.finished || s.lastPass;
                    int[] src = sources[i] != null ? sources[i] : identity(oldWidth[i]);
                    int start = pass == 0 ? s.mainStart : s.contrastStart;
                    boolean follows = pass == 0 || s.followsBeams || src.length != oldWidth[i];
                    long[] picked = new long[src.length];
                    for (int j = 0; j < src.length; j++) {
                        picked[j] = start + (follows ? src[j] : j);
                    }
                    List<long[]> target = pass == 1 && side != null ? sideRows : mainRows;
                    int at = target.stream().mapToInt(a -> a.length).sum();
                    if (pass == 0) {
                        newMain[i] = at;
                    } else {
                        newContrast[i] = at;
                    }
                    target.add(picked);
                    for (int j = 0; j < src.length; j++) {
                        (target == sideRows ? sideTokens : mainTokens).add(s.next == null ? 0L : s.next[j]);
                        (target == sideRows ? sideActive : mainActive).add(active && pass == 0);
                    }
                }
            }
            for (int i = 0; i < samples.size(); i++) {
                Sample s = samples.get(i);
                s.mainStart = newMain[i];
                if (s.hasContrast()) {
                    s.contrastStart = newContrast[i];
                }
                if (s.lastPass) {
                    s.lastPass = false;
                }
            }
            reorder(main, mainRows);
            logits = main.decode(m, unbox(mainTokens), index, flags(mainActive));
            own = true;
            boolean sideNeeded = samples.stream().anyMatch(x -> x.hasContrast() && !x.finished);
            if (side != null && sideNeeded) {
                reorder(side, sideRows);
                sideLogits = side.decode(m, unbox(sideTokens), index, flags(sideActive));
            } else {
                sideLogits = null;
            }
        }
    }

    /** Rows {@code [start, start + n)} of {@code logits} [R, V] (a view). */
    private static NDArray rows(NDArray logits, int start, int n) {
        return logits.get(new ai.djl.ndarray.index.NDIndex("{}:{}", start, start + n));
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }

    /** Selects {@code rows} (concatenated) unless they are the identity of the current rows. */
    private static void reorder(Rows target, List<long[]> rows) {
        long[] all = rows.stream().flatMapToLong(Arrays::stream).toArray();
        boolean same = true;
        for (int i = 0; i < all.length && same; i++) {
            same = all[i] == i;
        }
        if (!same) {
            target.select(all);
        }
    }

    private static long[] unbox(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    private static boolean[] flags(List<Boolean> values) {
        boolean[] out = new boolean[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
