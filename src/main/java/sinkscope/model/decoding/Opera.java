package sinkscope.model.decoding;

import java.util.Locale;

/**
 * OPERA's parameters (Huang et al., CVPR 2024) and the arithmetic of its over-trust penalty, as
 * {@code shikiw/OPERA}'s {@code opera_beam_search} computes it (transformers-4.29.2/src/transformers/generation/utils.py
 * lines 3318-3456); the loop that runs the model is {@code sinkscope.model.OperaDecoder}.
 *
 * <p>Per beam and candidate, from the last layer's attention (max over heads) of the response window (positions from
 * {@code response_start}, the merged prompt's length), each row renormalised to sum 1 over all its keys:
 * <ul>
 *   <li>column score {@code c_j = 1e-7 * prod_{rows i >= j} (sigma * a[i][j])}, stored in float16 as the code's
 *       {@code attn_local_scores} tensor is ({@link #half});
 *   <li>{@code rollback score = max_j c_j} at {@code rollback loc = argmax_j} (first on ties);
 *   <li>image attention: the candidate row's weight on the image keys;
 *   <li>penalty: {@code -image attention} while the window holds at most 10 columns, else the rollback score; the
 *       candidate's logit minus {@code alpha * penalty} (so the first 10 tokens get a bonus for looking at the image);
 *   <li>the rollback location of a step: {@link #mode} over candidates per beam, then over beams.
 * </ul>
 *
 * @param beams {@code num_beams} (official 5)
 * @param candidates {@code num_attn_candidates} N: the top-N logits of each beam are scored (official 5)
 * @param sigma {@code scale_factor} (official 50)
 * @param alpha {@code penalty_weights} (official 1)
 * @param threshold {@code threshold} r: a location must win more than r times in every beam's history (official 15)
 * @param window {@code window_size}: at most this many states are kept for rollback (the code's default 512)
 */
public record Opera(int beams, int candidates, double sigma, double alpha, int threshold, int window) {

    /** The official settings for LLaVA-1.5 (chair_eval.py, the loop's defaults). */
    public static final Opera OFFICIAL = new Opera(5, 5, 50, 1, 15, 512);

    public Opera {
        String at = "opera: ";
        if (beams < 1) {
            throw new IllegalArgumentException(at + "beams must be >= 1, got " + beams);
        }
        if (candidates < 1) {
            throw new IllegalArgumentException(at + "candidates (N) must be >= 1, got " + candidates);
        }
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException(at + "sigma must be a finite number > 0, got " + sigma);
        }
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException(at + "alpha must be a finite number >= 0, got " + alpha);
        }
        if (threshold < 1) {
            throw new IllegalArgumentException(at + "threshold (r) must be >= 1, got " + threshold);
        }
        if (window < 2) {
            throw new IllegalArgumentException(at + "window must be >= 2, got " + window);
        }
    }

    /** Window rows longer than this get the image bonus instead of the rollback penalty ({@code cur_response_lens <= 10}). */
    public static final int BONUS_COLUMNS = 10;

    /** Rollback locations below this never roll back ({@code rollback_loc < 10}). */
    public static final int MIN_ROLLBACK_LOC = 10;

    /** What a step's logits become outside the candidates (and a rejected choice after a rollback). */
    public static final float FILL = -999f;

    /**
     * One attention row of the last layer (max over heads) reduced to what OPERA reads: its window part
     * {@code a[j] / sum(a)} for keys {@code j >= responseStart} (float32 division) and its weight on the image keys
     * {@code [imageStart, imageEnd)} after the same renormalisation.
     */
    public record Row(float[] window, float imageAttention) {}

    /** {@code attn} [K]: one query's attention over all keys. */
    public static Row row(float[] attn, int responseStart, int imageStart, int imageEnd) {
        double total = 0;
        for (float a : attn) {
            total += a;
        }
        float sum = (float) total;
        float[] w = new float[attn.length - responseStart];
        for (int j = 0; j < w.length; j++) {
            w[j] = attn[responseStart + j] / sum;
        }
        double image = 0;
        for (int j = Math.max(0, imageStart); j < imageEnd; j++) {
            image += attn[j] / sum;
        }
        return new Row(w, (float) image);
    }

    /**
     * The column scores of a window whose earlier rows are {@code rows} (row {@code i} holds columns {@code 0..i}) and
     * whose last row is {@code last} (columns {@code 0..rows.length}), each {@link #half}-rounded; products in double.
     */
    public float[] columnScores(float[][] rows, float[] last) {
        int w = rows.length + 1;
        float s = (float) sigma;
        float[] out = new float[w];
        for (int j = 0; j < w; j++) {
            double p = 1;
            for (int i = j; i < rows.length; i++) {
                p *= s * rows[i][j];
            }
            p *= s * last[j];
            out[j] = half(1e-7f * (float) p);
        }
        return out;
    }

    /** Index of the largest value (the first on ties). */
    public static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** {@code torch.mode}: the most frequent value, the smallest of those on ties. */
    public static int mode(int[] values) {
        int best = Integer.MAX_VALUE;
        int bestCount = 0;
        for (int v : values) {
            int count = 0;
            for (int x : values) {
                count += x == v ? 1 : 0;
            }
            if (count > bestCount || count == bestCount && v < best) {
                best = v;
                bestCount = count;
            }
        }
        return best;
    }

    /**
     * The penalised candidate score: {@code logit - alpha * penalty}, the penalty {@code -imageAttention} for a window
     * of at most {@link #BONUS_COLUMNS} columns, else the (float16) rollback score, the product {@code alpha * score}
     * then also rounded to float16 as the code's float16 tensor holds it.
     */
    public float penalized(float logit, int windowColumns, float imageAttention, float rollbackScore) {
        float a = (float) alpha;
        return windowColumns <= BONUS_COLUMNS ? logit - a * -imageAttention : logit - half(a * rollbackScore);
    }

    /** The penalty itself, as the code's {@code penalty_scores} holds it. */
    public static float penalty(int windowColumns, float imageAttention, float rollbackScore) {
        return windowColumns <= BONUS_COLUMNS ? -imageAttention : rollbackScore;
    }

    /** Indices of the {@code k} largest values, largest first, the lower index first on ties. */
    public static long[] top(float[] values, int k) {
        int[] idx = new int[k];
        int size = 0;
        for (int i = 0; i < values.length; i++) {
            float x = values[i];
            if (size == k && !(x > values[idx[k - 1]])) {
                continue;
            }
            int at = Math.min(size, k - 1);
            while (at > 0 && x > values[idx[at - 1]]) {
                if (at < k) {
                    idx[at] = idx[at - 1];
                }
                at--;
            }
            idx[at] = i;
            size = Math.min(size + 1, k);
        }
        long[] out = new long[k];
        for (int i = 0; i < k; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    /** {@code log_softmax} of one row in float32 as torch computes it: {@code (x - max) - log(sum exp(x - max))}. */
    public static float[] logSoftmax(float[] x) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : x) {
            sum += Math.exp(v - max);
        }
        float lse = (float) Math.log(sum);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (x[i] - max) - lse;
        }
        return out;
    }

    /** {@code x} rounded to the nearest IEEE half-precision value (ties to even; subnormals below 2^-14; beyond 65504: infinity). */
    public static float half(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x) || x == 0) {
            return x;
        }
        double d = x;
        int e = Math.getExponent(d);
        double quantum = e < -14 ? Math.scalb(1.0, -24) : Math.scalb(1.0, e - 10);
        double r = Math.rint(d / quantum) * quantum;
        if (Math.abs(r) > 65504) {
            return r > 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
        }
        return (float) r;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "opera(beams=%d, candidates=%d, sigma=%s, alpha=%s, threshold=%d, window=%d)", beams, candidates, sigma,
                alpha, threshold, window);
    }
}
