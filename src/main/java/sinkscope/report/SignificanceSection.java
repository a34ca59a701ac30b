package sinkscope.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Each configuration against baseline per benchmark, from {@code significance}: the difference of the per-unit
 * score's means with its paired-bootstrap 95% interval, McNemar's b / c and exact p for right/wrong scores, and
 * whether it is significant.
 */
final class SignificanceSection extends Section<SignificanceSection.Data> {
    /** A row of {@code significance}; the nullable columns are null where the table has no value. */
    record Test(String benchmark, String config, String metric, long n, Double baseline, Double value, Double difference, Double ciLow,
            Double ciHigh, Number baselineOnly, Number configOnly, Double mcnemarP, boolean significant) {}

    record Data(Input.Missing missing, List<Test> tests) {}

    SignificanceSection() {
        super("significance", "Against baseline: difference and noise");
    }

    @Override
    Data query(Input in) {
        Dataset<Row> sig = in.table("significance");
        Input.Missing missing = Input.Missing.check("significance", sig, "benchmark", "config", "metric", "n", "baseline", "value", "difference",
                "ci_low", "ci_high", "mcnemar_p", "significant");
        if (missing != null) {
            return new Data(missing, List.of());
        }
        boolean bc = Input.has(sig, "baseline_only");
        List<Test> tests = new ArrayList<>();
        if (Input.has(sig, "against")) { // the rows against VAR are in the side-by-side section
            sig = sig.filter(sig.col("against").equalTo(sinkscope.intervention.Interventions.BASELINE));
        }
        for (Row r : sig.orderBy("benchmark", "config").collectAsList()) {
            tests.add(new Test(r.getAs("benchmark"), r.getAs("config"), r.getAs("metric"), r.getAs("n"), d(r, "baseline"), d(r, "value"),
                    d(r, "difference"), d(r, "ci_low"), d(r, "ci_high"), bc ? r.getAs("baseline_only") : null, bc ? r.getAs("config_only") : null,
                    d(r, "mcnemar_p"), r.getAs("significant")));
        }
        return new Data(null, tests);
    }

    private static Double d(Row r, String column) {
        Object v = r.getAs(column);
        return v == null ? null : ((Number) v).doubleValue();
    }

    @Override
    void render(Data d, Page page) {
        if (d.missing() != null) {
            page.absent(d.missing(), "run evaluate with a baseline config");
            return;
        }
        page.add("<p>Each configuration against <b>baseline</b> on the units both answered (questions; MMBench's rotation groups and MMVP's"
                + " pairs; captions), on the benchmark's per-unit score: the difference of means with a seeded paired-bootstrap 95% interval,"
                + " and for right/wrong scores McNemar's exact test. <i>significant</i>: p &lt; 0.05 (right/wrong), else the interval"
                + " excludes 0.</p>\n<table><tr><th>benchmark</th><th>config</th><th>metric</th><th>n</th><th>baseline</th><th>config</th>"
                + "<th>difference</th><th>95% interval</th><th>b / c</th><th>McNemar p</th><th>significant</th></tr>\n");
        for (Test t : d.tests()) {
            page.add("<tr><td>").add(Page.esc(t.benchmark())).add("</td><td>").add(Page.esc(t.config())).add("</td><td>")
                    .add(Page.esc(t.metric())).add("</td><td class=\"num\">").add(t.n()).add("</td>")
                    .add(Page.num(t.baseline(), "%.3f")).add(Page.num(t.value(), "%.3f")).add(Page.num(t.difference(), "%+.3f"))
                    .add("<td class=\"num\">").add(t.ciLow() == null ? "" : String.format(Locale.ROOT, "[%+.3f, %+.3f]", t.ciLow(), t.ciHigh()))
                    .add("</td><td class=\"num\">").add(t.baselineOnly() != null ? t.baselineOnly() + " / " + t.configOnly() : "")
                    .add("</td>").add(Page.num(t.mcnemarP(), "%.4f")).add("<td>").add(t.significant() ? "<b>yes</b>" : "no")
                    .add("</td></tr>\n");
        }
        page.add("</table>\n");
    }
}
