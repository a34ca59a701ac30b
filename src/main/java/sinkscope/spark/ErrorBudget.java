package sinkscope.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.regexp_replace;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code --max-error-fraction F}: a stage whose error rows exceed {@code F} of its inputs, or where every input failed,
 * stops the run after it, with a {@link Exceeded} naming the count and the three commonest reasons with their counts.
 * The tables written so far stay ({@code --resume} continues).
 *
 * <p>Reasons are grouped with their varying parts taken out: a leading {@code <path or id>: } (the file or sample the
 * reason names) and every run of digits (ids, line numbers, sizes), so that 418 missing images make one group
 * {@code image: no such file}.
 *
 * <p>Default {@value #DEFAULT}: sample-level defects (a corrupt or missing file, a bad line) are rare in a benchmark, a
 * few percent at most even in scraped data, while systemic ones (a wrong or unreadable image root, a model that fails
 * on every sample, a device that is not there) fail most or all samples; one half separates the two with a wide margin
 * on both sides, and a run that lost more than half of its samples answers nothing it was started for.
 */
public record ErrorBudget(double maxFraction) {
    public static final double DEFAULT = 0.5;

    public ErrorBudget {
        if (!(maxFraction >= 0 && maxFraction <= 1)) {
            throw new IllegalArgumentException("--max-error-fraction must be in [0, 1], got " + maxFraction);
        }
    }

    /** A stage over its error budget: the run stops after it. */
    public static final class Exceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Exceeded(String message) {
            super(message);
        }
    }

    /** Whether {@code errors} of {@code inputs} stops the run: every input failed, or more than the fraction. */
    public boolean exceeded(long inputs, long errors) {
        return inputs > 0 && (errors >= inputs || errors > maxFraction * inputs);
    }

    /**
     * Throws {@link Exceeded} when {@code stage}'s {@code errors} of {@code inputs} are over budget; {@code errorRows}
     * (the {@link Tables#ERRORS} rows of the stage) give the commonest reasons.
     */
    public void check(String stage, long inputs, long errors, Dataset<Row> errorRows) {
        if (!exceeded(inputs, errors)) {
            return;
        }
        List<String> top = new ArrayList<>();
        for (Row r : commonest(errorRows, 3)) {
            top.add(r.getLong(1) + " x " + r.getString(0));
        }
        throw new Exceeded(String.format(Locale.ROOT, "%s: %d of %d inputs failed (%.1f%%%s); the run stops here, the tables written so far "
                        + "stay (--resume continues). Commonest reasons: %s", stage, errors, inputs, 100.0 * errors / inputs,
                errors >= inputs ? ", every one" : ", over --max-error-fraction " + maxFraction, String.join("; ", top)));
    }

    /** The {@code k} commonest reason groups ({@code stage: reason} with its varying parts taken out) and their counts. */
    static List<Row> commonest(Dataset<Row> errorRows, int k) {
        return errorRows
                .select(concat_ws(": ", col("stage"),
                        regexp_replace(regexp_replace(col("reason"), "^\\S+: ", ""), "[0-9]+", "N")).as("group"))
                .groupBy("group").count()
                .orderBy(col("count").desc(), col("group"))
                .limit(k)
                .collectAsList();
    }
}
