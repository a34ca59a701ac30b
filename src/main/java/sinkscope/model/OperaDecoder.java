package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import sinkscope.model.decoding.LegacyBeamScorer;
import sinkscope.model.decoding.Opera;

/**
 * OPERA's generation on any {@link Lmm}: {@code shikiw/OPERA@61426ef}'s {@code opera_beam_search}
 * (transformers-4.29.2/src/transformers/generation/utils.py lines 3116-3674, the loop 3318-3635) step for step, its
 * quirks included, with transformers 4.29's beam scorer ({@link LegacyBeamScorer}). It needs only the decoder's KV
 * cache and the last layer's attention; the penalty's arithmetic is {@link Opera}'s.
 *
 * <p>One loop iteration, for the {@code B} beams as rows of one batch ({@link BatchedPrompts}):
 * <ol>
 *   <li>save the state (beams, a copy of the scorer, beam scores, the previous step's choice); one pass of each beam's
 *       last token (at the first iteration: the prefill, once, its row expanded to the beams); the beams' window rows
 *       ({@code attn_previous}) follow the previous reorder and get this pass's last-layer row;
 *   <li>the top-N logits of each beam are the candidates; N passes of B rows feed them, each undone afterwards
 *       ({@link BatchedPrompts#rewind}), each giving the candidate's last-layer row;
 *   <li>penalised candidate scores, per-beam rollback locations (mode over candidates, kept per row, not reordered with
 *       the beams), the step's location (mode over beams);
 *   <li>rollback when every row's history holds the location more than {@code threshold} times and it is at least
 *       10: the location's counter ({@code max_rollback_time}, at most N per position, else one position earlier,
 *       else none); the states after it are dropped; beams, scorer (the saved object itself, as the code restores it),
 *       window rows and beam scores come back from the state at the rollback position; the cache is rebuilt by a fresh
 *       prefill of each beam's sequence but its last token, then a pass of that token; the logits are shifted so their
 *       minimum is -999 and every (beam, token) chosen at that position, now and in earlier rollbacks to it, is set to
 *       -999. Any failure inside (an index past the window) means no rollback, as the code's bare {@code try/except};
 *   <li>otherwise the logits are -999 except the candidates' penalised scores; {@code log_softmax}, plus the beam
 *       scores, the {@code 2B} best over beams x vocabulary, the scorer's step; the cache follows the new beams.
 * </ol>
 * It stops when the scorer is done or {@code maxNewTokens} response tokens are held; the best hypothesis (length
 * penalty 1 over the whole sequence: the processor's prompt ids plus the response) is returned.
 *
 * <p>Cost: per step one pass of B rows plus N candidate passes of B rows, {@code B x (1 + N)} row-passes (the code runs
 * {@code 1 + N} forwards of B rows too); a rollback adds a prefill of B rows. The image features are made once.
 */
public final class OperaDecoder {
    private OperaDecoder() {}

    /** One loop iteration as the reference data records it (the candidate fields of a rollback iteration come from before it). */
    public record Iteration(int responseLength, long[][] beamsIn, long[][] candidateIds, float[][] candidateLogits, float[][] imageAttention,
            float[][] rollbackScores, int[][] rollbackLocs, int rollbackLoc, float[][] penalty, float[][] penalized, int rollbackPos,
            float[] topScores, long[] topTokens, int[] topBeams, LegacyBeamScorer.Next next) {}

    /**
     * The generation (its tokens: the best hypothesis's response, an EOS appended when it ended early; no top-k), the
     * loop's iterations, the rollbacks ({iteration, window columns, position}), forward passes run (each over the B
     * beam rows, or a prefill), and the iterations' trace when asked for (else empty).
     */
    public record Result(Generation generation, int iterations, List<int[]> rollbacks, int passes, List<Iteration> trace) {
        public long[] tokens() {
            return generation.tokens();
        }
    }

    /** What a state saves for a rollback ({@code current_state}). */
    private static final class State {
        long[][] seq;
        LegacyBeamScorer scorer;
        float[][][] attnPrevious;
        long[][] candidateTokens;
        float[][] candidateScores;
        float[] beamScores;
        long[] beamNextTokens;
        int[] beamIdx;
    }

    /** Not a rollback (the code's {@code assert False}). */
    private static final class NoRollback extends Exception {
        NoRollback() {
            super(null, null, false, false);
        }
    }

    /**
     * OPERA's generation for {@code inputs} (image features {@code features}, or null: made here; they stay open), at
     * most {@code maxNewTokens} tokens, EOS ending a hypothesis when {@code stopAtEos}; {@code trace} records every
     * iteration. {@code prefillHook} (may be null) observes the prompt's prefill only (its layer inputs and attention,
     * e.g. a probe of where the last prompt token looks); it sees no beam, candidate or rollback pass.
     */
    public static Result generate(Lmm model, NDManager m, Inputs inputs, NDArray features, Opera p, int maxNewTokens, boolean stopAtEos, boolean trace,
            AttentionHook prefillHook) {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("opera: max new tokens must be >= 1, got " + maxNewTokens);
        }
        try (NDManager sample = m.newSubManager()) {
            long t0 = System.nanoTime();
            NDArray f = features != null || inputs.pixelValues() == null ? features : model.imageFeatures(sample, inputs);
            Merged merged = model.merge(sample, inputs, f);
            return new Run(model, sample, inputs.inputIds(), merged, p, maxNewTokens, stopAtEos, trace, prefillHook, t0).run();
        }
    }

    private static final class Run {
        final Lmm model;
        final LlamaModel lm;
        final NDManager m;
        final long[] prompt;
        final Merged merged;
        final Opera p;
        final int maxNew;
        final int beams;
        final int n;
        final int s;
        final LastLayerRows hook;
        final List<Iteration> trace;
        final boolean[] active;
        final LegacyBeamScorer initial;
        final long t0;
        BatchedPrompts batch;
        int passes;
        long prefilled;

        Run(Lmm model, NDManager m, long[] prompt, Merged merged, Opera p, int maxNew, boolean stopAtEos, boolean trace, AttentionHook prefillHook, long t0) {
            this.model = model;
            this.lm = model.language();
            this.m = m;
            this.prompt = prompt;
            this.merged = merged;
            this.p = p;
            this.maxNew = maxNew;
            this.beams = p.beams();
            this.n = p.candidates();
            this.s = merged.length();
            this.hook = new LastLayerRows(lm.numLayers() - 1, prefillHook);
            this.t0 = t0;
            this.trace = trace ? new ArrayList<>() : null;
            this.active = new boolean[beams];
            Arrays.fill(active, true);
            this.initial = new LegacyBeamScorer(beams, 1.0, stopAtEos ? model::isEos : id -> false);
        }

        Result run() {
            batch = BatchedPrompts.prefill(lm, m, List.of(merged), List.of(hook), true, maxNew + 2);
            hook.prefill = null;
            prefilled = System.nanoTime();
            try {
                return loop();
            } finally {
                batch.close();
            }
        }

        private Result loop() {
            float[] first = batch.logits().toFloatArray();
            passes++;
            int vocab = first.length;
            if (n > vocab) {
                throw new IllegalArgumentException("opera: " + n + " candidates for a vocabulary of " + vocab);
            }
            batch.select(new long[beams]);
            long[][] seq = new long[beams][0];
            float[][][] attnPrevious = new float[beams][0][];
            float[] beamScores = new float[beams];
            Arrays.fill(beamScores, 1, beams, -1e9f);
            LegacyBeamScorer scorer = initial;
            long[] beamNextTokens = null;
            int[] beamIdx = null;
            List<State> history = new ArrayList<>();
            List<int[]> historyLocs = new ArrayList<>();
            int window = p.window();
            int[] maxRollbackTime = new int[window];
            long[][] rejected = new long[window][];
            List<int[]> rollbacks = new ArrayList<>();
            int iteration = 0;
            while (true) {
                State state = new State();
                state.seq = seq;
                state.scorer = scorer.copy();
                float[][] logits;
                if (beamNextTokens == null) {
                    logits = new float[beams][];
                    Arrays.fill(logits, first);
                } else {
                    logits = pass(beamNextTokens, seq[0].length);
                    float[][][] next = new float[beams][][];
                    for (int b = 0; b < beams; b++) {
                        float[][] src = attnPrevious[beamIdx[b]];
                        next[b] = Arrays.copyOf(src, src.length + 1);
                        next[b][src.length] = Opera.row(hook.rows.get(b), s, -1, -1).window();
                    }
                    attnPrevious = next;
                }
                state.attnPrevious = attnPrevious;
                long[][] candIds = new long[beams][];
                float[][] candLogits = new float[beams][];
                for (int b = 0; b < beams; b++) {
                    candIds[b] = Opera.top(logits[b], n);
                    candLogits[b] = new float[n];
                    for (int c = 0; c < n; c++) {
                        candLogits[b][c] = logits[b][(int) candIds[b][c]];
                    }
                }
                state.candidateTokens = candIds;
                state.beamScores = beamScores.clone();
                state.beamNextTokens = beamNextTokens;
                state.beamIdx = beamIdx;
                // the candidates' rows: N passes of the B rows, each undone
                int length = batch.length();
                Opera.Row[][] candRows = new Opera.Row[beams][n];
                for (int c = 0; c < n; c++) {
                    long[] tokens = new long[beams];
                    for (int b = 0; b < beams; b++) {
                        tokens[b] = candIds[b][c];
                    }
                    hook.rows.clear();
                    batch.decode(m, tokens, seq[0].length, active).close();
                    passes++;
                    batch.rewind(length);
                    for (int b = 0; b < beams; b++) {
                        candRows[b][c] = Opera.row(hook.rows.get(b), s, merged.imageStart(), merged.imageEnd());
                    }
                }
                int w = seq[0].length + 1;
                float[][] image = new float[beams][n];
                float[][] rbScores = new float[beams][n];
                int[][] rbLocs = new int[beams][n];
                float[][] penalty = new float[beams][n];
                float[][] penalized = new float[beams][n];
                int[] beamModes = new int[beams];
                for (int b = 0; b < beams; b++) {
                    for (int c = 0; c < n; c++) {
                        float[] scores = p.columnScores(attnPrevious[b], candRows[b][c].window());
                        rbLocs[b][c] = Opera.argmax(scores);
                        rbScores[b][c] = scores[rbLocs[b][c]];
                        image[b][c] = candRows[b][c].imageAttention();
                        penalty[b][c] = Opera.penalty(w, image[b][c], rbScores[b][c]);
                        penalized[b][c] = p.penalized(candLogits[b][c], w, image[b][c], rbScores[b][c]);
                    }
                    beamModes[b] = Opera.mode(rbLocs[b]);
                }
                int rollbackLoc = Opera.mode(beamModes);
                historyLocs.add(beamModes);
                state.candidateScores = penalized;
                if (history.size() >= window) {
                    history.remove(0);
                }
                history.add(state);

                float[][] next;
                int rollbackPos = -1;
                long[][] candTokens = candIds;
                float[][] candScores = penalized;
                try {
                    for (int b = 0; b < beams; b++) {
                        int count = 0;
                        for (int[] col : historyLocs) {
                            count += col[b] == rollbackLoc ? 1 : 0;
                        }
                        if (count <= p.threshold()) {
                            throw new NoRollback();
                        }
                    }
                    if (rollbackLoc < Opera.MIN_ROLLBACK_LOC) {
                        throw new NoRollback();
                    }
                    int rp = rollbackLoc + 1;
                    if (maxRollbackTime[rp] >= n) {
                        rp = rp - 1;
                        if (maxRollbackTime[rp] >= n) {
                            throw new NoRollback();
                        }
                    }
                    maxRollbackTime[rp]++;
                    if (w - rp > window + 1) {
                        rp = Math.max(1, w - window - 1);
                    }
                    for (int j = 0; j < w - rp - 2; j++) {
                        history.remove(history.size() - 1);
                        historyLocs.remove(historyLocs.size() - 1);
                        rejected[window - 1 - j] = null;
                    }
                    State back = history.get(history.size() - 2);
                    State ahead = history.get(history.size() - 1);
                    seq = back.seq;
                    scorer = back.scorer;
                    attnPrevious = back.attnPrevious;
                    candScores = back.candidateScores;
                    candTokens = back.candidateTokens;
                    beamScores = back.beamScores;
                    beamNextTokens = ahead.beamNextTokens;
                    beamIdx = ahead.beamIdx;
                    logits = reprefill(seq);
                    history.remove(history.size() - 1);
                    historyLocs.remove(historyLocs.size() - 1);
                    rejected[rp + 1] = null;
                    long[] reject = new long[beams];
                    for (int b = 0; b < beams; b++) {
                        reject[b] = (long) beamIdx[b] * vocab + beamNextTokens[b];
                    }
                    if (rejected[rp] != null) {
                        long[] all = Arrays.copyOf(rejected[rp], rejected[rp].length + beams);
                        System.arraycopy(reject, 0, all, rejected[rp].length, beams);
                        reject = all;
                    }
                    rejected[rp] = reject;
                    next = new float[beams][];
                    for (int b = 0; b < beams; b++) {
                        float min = Float.POSITIVE_INFINITY;
                        for (float x : logits[b]) {
                            min = Math.min(min, x);
                        }
                        float shift = 999f + min;
                        next[b] = new float[vocab];
                        for (int v = 0; v < vocab; v++) {
                            next[b][v] = logits[b][v] - shift;
                        }
                    }
                    for (long r : reject) {
                        next[(int) (r / vocab)][(int) (r % vocab)] = Opera.FILL;
                    }
                    rollbackPos = rp;
                    rollbacks.add(new int[] {iteration, w, rp});
                } catch (NoRollback | IndexOutOfBoundsException e) {
                    next = new float[beams][vocab];
                    for (int b = 0; b < beams; b++) {
                        Arrays.fill(next[b], Opera.FILL);
                        for (int c = 0; c < n; c++) {
                            next[b][(int) candTokens[b][c]] = candScores[b][c];
                        }
                    }
                }
                // log_softmax + beam scores, the 2B best over beams x vocabulary, the scorer's step
                float[] flat = new float[beams * vocab];
                for (int b = 0; b < beams; b++) {
                    float[] lp = Opera.logSoftmax(next[b]);
                    for (int v = 0; v < vocab; v++) {
                        flat[b * vocab + v] = lp[v] + beamScores[b];
                    }
                }
                long[] best = Opera.top(flat, 2 * beams);
                float[] topScores = new float[best.length];
                long[] topTokens = new long[best.length];
                int[] topBeams = new int[best.length];
                for (int k = 0; k < best.length; k++) {
                    topScores[k] = flat[(int) best[k]];
                    topTokens[k] = best[k] % vocab;
                    topBeams[k] = (int) (best[k] / vocab);
                }
                LegacyBeamScorer.Next out = scorer.process(withPrompt(seq), topScores, topTokens, topBeams);
                if (trace != null) {
                    trace.add(new Iteration(w, seq, candIds, candLogits, image, rbScores, rbLocs, rollbackLoc, penalty, penalized, rollbackPos,
                            topScores, topTokens, topBeams, out));
                }
                beamScores = out.scores();
                beamNextTokens = out.tokens();
                beamIdx = out.indices();
                long[][] grown = new long[beams][];
                long[] rows = new long[beams];
                for (int b = 0; b < beams; b++) {
                    long[] src = seq[beamIdx[b]];
                    grown[b] = Arrays.copyOf(src, src.length + 1);
                    grown[b][src.length] = beamNextTokens[b];
                    rows[b] = beamIdx[b];
                }
                seq = grown;
                batch.select(rows);
                iteration++;
                if (scorer.done() || seq[0].length >= maxNew) {
                    break;
                }
            }
            long[] full = scorer.finalize(withPrompt(seq), beamScores, prompt.length + maxNew, model.config().text().eosTokenId());
            long[] tokens = Arrays.copyOfRange(full, prompt.length, full.length);
            Generation g = new Generation(tokens, new float[tokens.length][], new long[tokens.length][], s, merged.imageStart(), merged.imageEnd(),
                    prefilled - t0, System.nanoTime() - prefilled);
            return new Result(g, iteration, rollbacks, passes, trace == null ? List.of() : Collections.unmodifiableList(trace));
        }

        /** One pass of {@code tokens} (one per beam row); the rows' logits, the last layer's rows kept by the hook. */
        private float[][] pass(long[] tokens, int index) {
            hook.rows.clear();
            try (NDArray logits = batch.decode(m, tokens, index, active)) {
                passes++;
                return split(logits.toFloatArray(), beams);
            }
        }

        /**
         * The cache rebuilt for the beams {@code seq} (the code's re-prefill after a rollback): a prefill of the merged
         * prompt plus each beam's tokens but its last, then a pass of the last tokens; their logits.
         */
        private float[][] reprefill(long[][] seq) {
            int t = seq[0].length;
            List<Merged> rows = new ArrayList<>(beams);
            List<NDArray> made = new ArrayList<>();
            for (int b = 0; b < beams; b++) {
                NDArray embeds = merged.inputsEmbeds();
                if (t > 1) {
                    try (NDArray ids = m.create(Arrays.copyOf(seq[b], t - 1)).toDevice(embeds.getDevice(), false); NDArray e = lm.embed(ids)) {
                        embeds = embeds.concat(e.expandDims(0).toType(embeds.getDataType(), false), 1);
                    }
                    made.add(embeds);
                }
                long[][] pos = merged.positionIds();
                if (pos != null) {
                    long[][] ext = new long[pos.length][];
                    for (int r = 0; r < pos.length; r++) {
                        ext[r] = Arrays.copyOf(pos[r], s + t - 1);
                        for (int i = 0; i < t - 1; i++) {
                            ext[r][s + i] = s + i + merged.ropeDelta();
                        }
                    }
                    pos = ext;
                }
                rows.add(new Merged(embeds, merged.imageStart(), merged.imageEnd(), pos, merged.ropeDelta(), merged.imageAdditions()));
            }
            BatchedPrompts fresh = BatchedPrompts.prefill(lm, m, rows, Collections.nCopies(beams, hook), false, maxNew + 2 - t);
            made.forEach(NDArray::close);
            batch.close();
            batch = fresh;
            passes++;
            long[] last = new long[beams];
            for (int b = 0; b < beams; b++) {
                last[b] = seq[b][t - 1];
            }
            return pass(last, t - 1);
        }

        private long[][] withPrompt(long[][] seq) {
            long[][] out = new long[seq.length][];
            for (int b = 0; b < seq.length; b++) {
                out[b] = Arrays.copyOf(prompt, prompt.length + seq[b].length);
                System.arraycopy(seq[b], 0, out[b], prompt.length, seq[b].length);
            }
            return out;
        }
    }

    private static float[][] split(float[] flat, int rows) {
        int v = flat.length / rows;
        float[][] out = new float[rows][];
        for (int b = 0; b < rows; b++) {
            out[b] = Arrays.copyOfRange(flat, b * v, (b + 1) * v);
        }
        return out;
    }

    /**
     * Keeps, per decode pass, each row's last-layer attention (max over heads) [K], in row order (the batch hands its
     * rows to their hooks in order); prefills are not kept. Hands the prompt's prefill to {@code prefill} while set.
     */
    private static final class LastLayerRows implements AttentionHook {
        private final int layer;
        final List<float[]> rows = new ArrayList<>();
        AttentionHook prefill;

        LastLayerRows(int layer, AttentionHook prefill) {
            this.layer = layer;
            this.prefill = prefill;
        }

        @Override
        public void onStep(ForwardStep step) {
            if (prefill != null && step.isPrefill()) {
                prefill.onStep(step);
            }
        }

        @Override
        public void onLayerInput(int l, NDArray hidden, ForwardStep step) {
            if (prefill != null && step.isPrefill()) {
                prefill.onLayerInput(l, hidden, step);
            }
        }

        @Override
        public NDArray onAttention(int l, NDArray attn, ForwardStep step) {
            if (step.isPrefill()) {
                return prefill != null ? prefill.onAttention(l, attn, step) : attn;
            }
            if (l == layer) {
                try (NDArray max = attn.max(new int[] {1})) {
                    rows.add(max.toFloatArray());
                }
            }
            return attn;
        }

        @Override
        public boolean rewritesAttention() {
            return prefill != null && prefill.rewritesAttention();
        }

        @Override
        public boolean keepsAttention() {
            return prefill != null && prefill.keepsAttention();
        }
    }
}
