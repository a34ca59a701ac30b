package sinkscope.eval;

import java.io.Serializable;

/**
 * POPE metrics over (prediction, label) pairs, as LLaVA's {@code eval_pope.py} computes them with {@code yes} as
 * the positive class: counts TP, FP, TN, FN, then
 * <pre>
 *   precision = TP / (TP + FP)      recall    = TP / (TP + FN)
 *   f1        = 2 p r / (p + r)     accuracy  = (TP + TN) / n
 *   yes_ratio = (TP + FP) / n       n         = TP + FP + TN + FN
 * </pre>
 * A prediction is {@code "yes"}, {@code "no"} or {@code "other"} (see {@link PopeAnswer}); {@code other} counts
 * as {@code yes}, as eval_pope.py maps every answer without a no-word to yes, and is also counted on its own
 * ({@link #other()}). Labels must be {@code "yes"} or {@code "no"} (eval_pope.py would take any other label as
 * yes; we reject it instead of miscounting).
 *
 * <p>Where eval_pope.py would divide by zero the value is {@code NaN}: precision with no yes predictions,
 * recall with no yes labels, accuracy and yes_ratio with no pairs, and f1 whenever precision or recall is NaN.
 * When both are 0 (TP = 0 with FP, FN &gt; 0) f1 is 0, the limit of 2pr/(p+r).
 */
public final class Metrics implements Serializable {
    private static final long serialVersionUID = 1L;

    private long tp;
    private long fp;
    private long tn;
    private long fn;
    private long other;

    /** Adds one pair; {@code pred} is yes/no/other, {@code label} yes/no. */
    public Metrics add(String pred, String label) {
        boolean labelYes = switch (label == null ? "" : label) {
            case PopeAnswer.YES -> true;
            case PopeAnswer.NO -> false;
            default -> throw new IllegalArgumentException("label must be yes or no, got '" + label + "'");
        };
        boolean predYes = switch (pred == null ? "" : pred) {
            case PopeAnswer.YES, PopeAnswer.OTHER -> true;
            case PopeAnswer.NO -> false;
            default -> throw new IllegalArgumentException("prediction must be yes, no or other, got '" + pred + "'");
        };
        if (PopeAnswer.OTHER.equals(pred)) {
            other++;
        }
        if (predYes && labelYes) {
            tp++;
        } else if (predYes) {
            fp++;
        } else if (labelYes) {
            fn++;
        } else {
            tn++;
        }
        return this;
    }

    /** Adds all of {@code m}'s counts (partial results of a distributed aggregation). */
    public Metrics merge(Metrics m) {
        tp += m.tp;
        fp += m.fp;
        tn += m.tn;
        fn += m.fn;
        other += m.other;
        return this;
    }

    public long tp() {
        return tp;
    }

    public long fp() {
        return fp;
    }

    public long tn() {
        return tn;
    }

    public long fn() {
        return fn;
    }

    /** Predictions that were neither yes nor no (already counted as yes in TP/FP). */
    public long other() {
        return other;
    }

    public long n() {
        return tp + fp + tn + fn;
    }

    public double precision() {
        return ratio(tp, tp + fp);
    }

    public double recall() {
        return ratio(tp, tp + fn);
    }

    public double f1() {
        double p = precision();
        double r = recall();
        if (Double.isNaN(p) || Double.isNaN(r)) {
            return Double.NaN;
        }
        return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
    }

    public double accuracy() {
        return ratio(tp + tn, n());
    }

    public double yesRatio() {
        return ratio(tp + fp, n());
    }

    private static double ratio(long num, long den) {
        return den == 0 ? Double.NaN : (double) num / (double) den;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "n=%d TP=%d FP=%d TN=%d FN=%d other=%d acc=%.4f precision=%.4f recall=%.4f f1=%.4f yes_ratio=%.4f",
                n(), tp, fp, tn, fn, other, accuracy(), precision(), recall(), f1(), yesRatio());
    }
}
