package sinkscope.bench;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/** The small statistics the benchmarks report. */
public final class Figures {
    private Figures() {}

    /** The median: the middle value, or the mean of the two middle values for an even count. */
    public static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] v = sorted(values);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** The {@code q}-quantile, linear between the two nearest ranks (numpy's default): 0.25 and 0.75 give the quartiles. */
    public static double quantile(List<Double> values, double q) {
        if (values.isEmpty() || !(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile " + q + " of " + values.size() + " values");
        }
        double[] v = sorted(values);
        double pos = q * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, v.length - 1);
        return v[lo] + (pos - lo) * (v[hi] - v[lo]);
    }

    private static double[] sorted(List<Double> values) {
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i);
        }
        Arrays.sort(v);
        return v;
    }

    /** Element-wise {@code a[i] / b[i]}: the per-run ratios of an A/B pair measured side by side. */
    public static List<Double> ratios(List<Double> a, List<Double> b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("ratios of " + a.size() + " and " + b.size() + " values");
        }
        return IntStream.range(0, a.size()).mapToObj(i -> a.get(i) / b.get(i)).toList();
    }

    /** How many values make a tenth of {@code n}: {@code ceil(n / 10)}, at least 1. */
    public static int tenth(int n) {
        return Math.max(1, (n + 9) / 10);
    }

    /**
     * Growth of a series from its first tenth to its last tenth, as a fraction:
     * {@code mean(last k) / mean(first k) - 1} with {@code k = tenth(n)}.
     */
    public static double tenthGrowth(double[] series) {
        if (series.length == 0) {
            throw new IllegalArgumentException("growth of an empty series");
        }
        int k = tenth(series.length);
        double first = Arrays.stream(series, 0, k).average().orElseThrow();
        double last = Arrays.stream(series, series.length - k, series.length).average().orElseThrow();
        return last / first - 1;
    }
}
