package sinkscope.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Paired significance of a configuration against the baseline on the same questions.
 *
 * <p>{@link #mcnemar}: McNemar's exact test on per-question right/wrong. Of the discordant pairs, {@code b} are
 * right under the baseline only and {@code c} under the configuration only; under the null hypothesis each
 * discordant pair goes either way with probability 1/2, so with {@code n = b + c} and {@code k = min(b, c)}
 * <pre>
 *   p = min(1, 2 * sum_{i=0..k} C(n, i) / 2^n)          (two-sided exact binomial; p = 1 when n = 0)
 * </pre>
 *
 * <p>{@link #bootstrap}: the paired bootstrap percentile interval of the difference of means
 * {@code mean(config) - mean(baseline)} of per-question scores: {@code B} resamples of the question indices with
 * replacement (a {@link SplittableRandom} seeded with {@code seed}, so the interval is reproducible), the
 * difference of means on each, and the {@code (1 - level)/2} and {@code (1 + level)/2} quantiles of the B
 * differences, linearly interpolated between order statistics (numpy's default {@code percentile}: position
 * {@code q (B - 1)} in the sorted differences).
 */
public final class Significance {

    private Significance() {}

    /** McNemar's exact test; see the class comment. */
    public record McNemar(long baselineOnly, long configOnly, double p) {}

    /** A bootstrap interval of mean(config) - mean(baseline). */
    public record Interval(double difference, double lower, double upper, int resamples, double level) {
        /** Whether 0 lies outside the interval. */
        public boolean excludesZero() {
            return lower > 0 || upper < 0;
        }
    }

    public static McNemar mcnemar(boolean[] baseline, boolean[] config) {
        check(baseline.length, config.length);
        long b = 0;
        long c = 0;
        for (int i = 0; i < baseline.length; i++) {
            if (baseline[i] && !config[i]) {
                b++;
            } else if (!baseline[i] && config[i]) {
                c++;
            }
        }
        return new McNemar(b, c, mcnemarP(b, c));
    }

    /**
     * A configuration against the baseline on the units (questions, groups, captions) both scored: the keys of
     * {@code config} found in {@code baseline}, in {@code config}'s order.
     *
     * @param n paired units
     * @param baseline mean of the baseline's unit scores
     * @param config mean of the configuration's
     * @param interval the bootstrap interval of config - baseline
     * @param mcnemar McNemar's exact test when the scores are right/wrong (1/0), else null
     */
    public record Paired(int n, double baseline, double config, Interval interval, McNemar mcnemar) {}

    /** Pairs the units by key and compares them; {@code binary}: the scores are 1/0 (then McNemar is computed too). */
    public static Paired paired(java.util.Map<String, Double> baseline, java.util.Map<String, Double> config, boolean binary,
                                int resamples, long seed, double level) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        for (String k : config.keySet()) {
            if (baseline.containsKey(k)) {
                keys.add(k);
            }
        }
        int n = keys.size();
        double[] b = new double[n];
        double[] c = new double[n];
        boolean[] bb = new boolean[n];
        boolean[] cb = new boolean[n];
        double sb = 0;
        double sc = 0;
        for (int i = 0; i < n; i++) {
            b[i] = baseline.get(keys.get(i));
            c[i] = config.get(keys.get(i));
            bb[i] = b[i] == 1.0;
            cb[i] = c[i] == 1.0;
            sb += b[i];
            sc += c[i];
        }
        Interval iv = bootstrap(b, c, resamples, seed, level);
        return new Paired(n, n == 0 ? Double.NaN : sb / n, n == 0 ? Double.NaN : sc / n, iv, binary ? mcnemar(bb, cb) : null);
    }

    /** The two-sided exact p-value from the two discordant counts. */
    public static double mcnemarP(long b, long c) {
        long n = b + c;
        if (n == 0) {
            return 1.0;
        }
        long k = Math.min(b, c);
        // sum_{i<=k} exp(log C(n, i) - n log 2), accumulated in log space
        double logHalf = n * Math.log(0.5);
        double logC = 0; // log C(n, 0)
        double sum = Math.exp(logHalf);
        for (long i = 1; i <= k; i++) {
            logC += Math.log((double) (n - i + 1) / i);
            sum += Math.exp(logC + logHalf);
        }
        return Math.min(1.0, 2 * sum);
    }

    public static Interval bootstrap(double[] baseline, double[] config, int resamples, long seed, double level) {
        check(baseline.length, config.length);
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be >= 1, got " + resamples);
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        }
        int n = baseline.length;
        if (n == 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, resamples, level);
        }
        double[] d = new double[n];
        double observed = 0;
        for (int i = 0; i < n; i++) {
            d[i] = config[i] - baseline[i];
            observed += d[i];
        }
        observed /= n;
        SplittableRandom rng = new SplittableRandom(seed);
        double[] means = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += d[rng.nextInt(n)];
            }
            means[r] = s / n;
        }
        Arrays.sort(means);
        return new Interval(observed, quantile(means, (1 - level) / 2), quantile(means, (1 + level) / 2), resamples,
                level);
    }

    /** numpy's linear percentile of sorted values, q in [0, 1]. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static void check(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException("paired samples need equal lengths, got " + a + " and " + b);
        }
    }
}
