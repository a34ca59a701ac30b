package sinkscope.model.decoding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.function.LongPredicate;

/**
 * One sample's beam search, step for step as transformers 5's {@code GenerationMixin._beam_search} (default
 * {@code early_stopping=False}, one returned sequence):
 *
 * <ol>
 *   <li>running scores start {@code [0, -1e9, ...]} (the first step effectively expands beam 0 only; here the first
 *       step gets the one prefill row);
 *   <li>each step: accumulated {@code log p + running score} over all beams x vocabulary; the top
 *       {@code K = max(2, 1 + n_eos) * num_beams} continuations; a continuation "hits" when its token ends the
 *       sequence (EOS, when stopping at EOS) or the budget is reached;
 *   <li>the next running beams: the best {@code num_beams} continuations after subtracting {@code 1e9} from those that
 *       hit;
 *   <li>finished hypotheses: among the first {@code num_beams} continuations those that hit, scored
 *       {@code sum log p / (generated length)^length_penalty} (EOS counted), merged with the earlier finished ones,
 *       best {@code num_beams} kept; once improvement is impossible nothing more is added;
 *   <li>stop when every continuation hits, or when no running beam can improve: the best running score divided by the
 *       generated length^penalty is not above the worst finished score of a full set.
 * </ol>
 * The result is the best finished hypothesis (its tokens, EOS included).
 */
public final class BeamSearch {
    private static final float NEG = -1.0e9f;

    private final int beams;
    private final double lengthPenalty;
    private final int keep;
    private final int maxNewTokens;
    private final boolean stopAtEos;
    private final LongPredicate isEos;

    private long[][] running; // token sequences of the running beams
    private float[] runningScores;
    private long[][] finished;
    private float[] finishedScores;
    private boolean[] finishedSet;
    private boolean improvable = true;
    private boolean done;
    private int length; // tokens generated so far

    /** {@code eosCount}: how many ids end a sequence (sizes the continuations kept, as transformers does). */
    public BeamSearch(int beams, double lengthPenalty, int maxNewTokens, boolean stopAtEos, LongPredicate isEos, int eosCount) {
        this.beams = beams;
        this.lengthPenalty = lengthPenalty;
        this.keep = Math.max(2, 1 + eosCount) * beams;
        this.maxNewTokens = maxNewTokens;
        this.stopAtEos = stopAtEos;
        this.isEos = isEos;
        running = new long[][] {new long[0]};
        runningScores = new float[beams];
        Arrays.fill(runningScores, 1, beams, NEG);
        finished = new long[beams][];
        finishedScores = new float[beams];
        Arrays.fill(finishedScores, NEG);
        finishedSet = new boolean[beams];
        done = maxNewTokens == 0;
    }

    public boolean done() {
        return done;
    }

    /**
     * One step over the log-probabilities (as processed) {@code logProbs} [R, V] of the R running beams (R = 1 at the
     * first step). Returns the source beam (0..R-1) of each of the {@code num_beams} new running beams; their last
     * tokens are {@link #lastTokens()}.
     */
    public int[] step(NDArray logProbs) {
        int r = (int) logProbs.getShape().get(0);
        long v = logProbs.getShape().get(1);
        // the best `keep` of every beam's row, then the best `keep` of those: the same continuations as one top-k over
        // beams x vocabulary (a row's best are among the overall best), a fraction of its time for large vocabularies
        int per = (int) Math.min(keep, v);
        float[] rowValues;
        long[] rowIds;
        try (NDArray scores = logProbs.getManager().create(Arrays.copyOf(runningScores, r)).toDevice(logProbs.getDevice(), false).reshape(r, 1);
                NDArray acc = logProbs.add(scores)) {
            NDList top = acc.topK(per, 1, true, true);
            try (top) {
                rowValues = top.get(0).toFloatArray();
                rowIds = top.get(1).toType(DataType.INT64, false).toLongArray();
            }
        }
        Integer[] order = new Integer[rowValues.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        long vocab = v;
        long[] flat = new long[rowIds.length];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = (i / per) * vocab + rowIds[i];
        }
        Arrays.sort(order, (a, b) -> rowValues[a] != rowValues[b] ? Float.compare(rowValues[b], rowValues[a]) : Long.compare(flat[a], flat[b]));
        int kept = Math.min(keep, order.length);
        float[] cand = new float[kept];
        long[] index = new long[kept];
        for (int i = 0; i < kept; i++) {
            cand[i] = rowValues[order[i]];
            index[i] = flat[order[i]];
        }
        int k = cand.length;
        boolean[] hit = new boolean[k];
        boolean allHit = true;
        for (int c = 0; c < k; c++) {
            long token = index[c] % v;
            hit[c] = stopAtEos && isEos.test(token) || length + 1 >= maxNewTokens;
            allHit &= hit[c];
        }
        // finished hypotheses: the first num_beams continuations that hit (before the running beams are replaced)
        float[] mergedScores = new float[beams + k];
        long[][] mergedSeqs = new long[beams + k][];
        boolean[] mergedSet = new boolean[beams + k];
        for (int i = 0; i < beams; i++) {
            mergedScores[i] = finishedScores[i];
            mergedSeqs[i] = finished[i];
            mergedSet[i] = finishedSet[i];
        }
        float norm = (float) Math.pow(length + 1, lengthPenalty);
        for (int c = 0; c < k; c++) {
            float s = cand[c] / norm;
            if (!improvable) {
                s += NEG;
            }
            boolean just = hit[c] && c < beams;
            if (!just) {
                s += NEG;
            }
            mergedScores[beams + c] = s;
            mergedSeqs[beams + c] = extend(running[(int) (index[c] / v)], index[c] % v);
            mergedSet[beams + c] = just;
        }
        int[] best = topIndices(mergedScores, beams);
        long[][] nf = new long[beams][];
        float[] ns = new float[beams];
        boolean[] nset = new boolean[beams];
        for (int i = 0; i < beams; i++) {
            nf[i] = mergedSeqs[best[i]];
            ns[i] = mergedScores[best[i]];
            nset[i] = mergedSet[best[i]];
        }
        finished = nf;
        finishedScores = ns;
        finishedSet = nset;
        // the running beams of the next step
        float[] runScores = new float[k];
        for (int c = 0; c < k; c++) {
            runScores[c] = cand[c] + (hit[c] ? NEG : 0);
        }
        int[] next = topIndices(runScores, beams);
        int[] source = new int[beams];
        long[][] nr = new long[beams][];
        float[] nrs = new float[beams];
        for (int i = 0; i < beams; i++) {
            int c = next[i];
            source[i] = (int) (index[c] / v);
            nr[i] = extend(running[source[i]], index[c] % v);
            nrs[i] = runScores[c];
        }
        running = nr;
        runningScores = nrs;
        length++;
        // can a running beam still beat the worst finished one?
        float bestRunning = (float) (runningScores[0] / Math.pow(length, lengthPenalty));
        float worst = Float.POSITIVE_INFINITY;
        for (float s : finishedScores) {
            worst = Math.min(worst, s);
        }
        boolean any = false;
        for (int i = 0; i < beams; i++) {
            any |= bestRunning > (finishedSet[i] ? worst : NEG);
        }
        improvable &= any;
        done = !improvable || allHit;
        return source;
    }

    /** The last token of each running beam (what the next pass feeds). */
    public long[] lastTokens() {
        long[] out = new long[running.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = running[i][running[i].length - 1];
        }
        return out;
    }

    /** The best finished hypothesis (after {@link #done()}); with a budget of 0, no tokens. */
    public long[] best() {
        if (length == 0) {
            return new long[0];
        }
        if (!finishedSet[0]) {
            throw new IllegalStateException("beam search stopped without a finished hypothesis");
        }
        return finished[0];
    }

    /** The best finished hypothesis's score ({@code sum log p / length^penalty}). */
    public float bestScore() {
        return finishedScores[0];
    }

    private static long[] extend(long[] seq, long token) {
        long[] out = Arrays.copyOf(seq, seq.length + 1);
        out[seq.length] = token;
        return out;
    }

    /** The indices of the {@code n} largest values, largest first, ties in index order (as a stable sort). */
    private static int[] topIndices(float[] values, int n) {
        Integer[] idx = new Integer[values.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Float.compare(values[b], values[a]));
        int[] out = new int[Math.min(n, idx.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }
}
