package sinkscope.report;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * POPE's metrics from {@code metrics} (benchmark {@code pope} where the column exists): per split and configuration
 * accuracy, precision, recall, F1 and yes-ratio (positive = yes), each with its difference to baseline in the same
 * split in percentage points, and the share of answers parsed as neither yes nor no (from {@code predictions}); bars
 * of accuracy and F1 per split.
 */
final class MetricsSection extends Section<MetricsSection.Data> {
    static final List<String> NAMES = List.of("accuracy", "precision", "recall", "f1", "yes_ratio");

    /** A row of {@code metrics}: {@code values} in the order of {@link #NAMES}. */
    record Scores(long n, double[] values) {}

    /**
     * {@code byCategory}: split ({@code all} first) -> config -> scores; {@code other}: (config NUL split) -> share of
     * predictions parsed as {@code other}, empty without predictions.
     */
    record Data(Input.Missing missing, Map<String, Map<String, Scores>> byCategory, Set<String> configs, Map<String, Double> other) {}

    MetricsSection() {
        super("metrics", "Metrics: baseline, VAR and ablations");
    }

    @Override
    Data query(Input in) {
        Dataset<Row> metrics = in.table("metrics");
        if (metrics != null && Input.has(metrics, "benchmark")) {
            metrics = metrics.where(col("benchmark").equalTo("pope"));
        }
        Input.Missing missing = Input.Missing.check("metrics", metrics, "config", "category", "n", "accuracy", "precision", "recall", "f1",
                "yes_ratio");
        if (missing != null) {
            return new Data(missing, Map.of(), Set.of(), Map.of());
        }
        List<Row> rows = metrics.select(col("config"), col("category"), col("n").cast("long"), col("accuracy").cast("double"),
                col("precision").cast("double"), col("recall").cast("double"), col("f1").cast("double"), col("yes_ratio").cast("double"))
                .collectAsList();
        Map<String, Map<String, Scores>> byCategory = new TreeMap<>(Order.CATEGORIES);
        Set<String> configs = new TreeSet<>(Order.CONFIGS);
        for (Row r : rows) {
            double[] v = new double[NAMES.size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = r.getDouble(3 + k);
            }
            byCategory.computeIfAbsent(r.getString(1), k -> new HashMap<>()).put(r.getString(0), new Scores(r.getLong(2), v));
            configs.add(r.getString(0));
        }
        return new Data(null, byCategory, configs, otherShare(in));
    }

    private static Map<String, Double> otherShare(Input in) {
        Map<String, Double> m = new HashMap<>();
        Dataset<Row> p = in.table("predictions");
        if (p == null || !Input.missing(p, "config", "category", "pred", "label").isEmpty()) {
            return m;
        }
        Dataset<Row> labelled = p.where(col("label").isNotNull());
        Column isOther = when(col("pred").equalTo("other"), 1.0).otherwise(0.0);
        for (Row r : labelled.groupBy("config", "category").agg(avg(isOther)).collectAsList()) {
            m.put(r.getString(0) + "\u0000" + (r.isNullAt(1) ? "" : r.getString(1)), r.getDouble(2));
        }
        for (Row r : labelled.groupBy("config").agg(avg(isOther)).collectAsList()) {
            m.put(r.getString(0) + "\u0000all", r.getDouble(1));
        }
        return m;
    }

    @Override
    void render(Data d, Page page) throws IOException {
        if (d.missing() != null) {
            page.absent(d.missing(), "run evaluate");
            return;
        }
        Map<String, Double> other = d.other();
        page.add("<p>POPE metrics (positive = yes) per configuration and split; <i>all</i> pools every labelled sample. Differences to"
                + " <b>baseline</b> in the same split are shown beside each value, in percentage points: green = better, red = worse"
                + " (for yes-ratio, grey: closer to the label balance is better, not higher).")
                .add(other.isEmpty() ? "" : " <i>other</i>: answers parsed as neither yes nor no.").add("</p>\n");
        if (!d.configs().contains(sinkscope.intervention.Interventions.BASELINE)) {
            page.note("No baseline config in the metrics table: no differences shown.");
        }
        page.add("<table class=\"metrics\"><tr><th>split</th><th>config</th><th>n</th>");
        for (String m : NAMES) {
            page.add("<th>").add(m.replace('_', '-')).add("</th>");
        }
        page.add(other.isEmpty() ? "" : "<th>other</th>").add("</tr>\n");
        for (Map.Entry<String, Map<String, Scores>> cat : d.byCategory().entrySet()) {
            Scores base = cat.getValue().get(sinkscope.intervention.Interventions.BASELINE);
            boolean first = true;
            for (String config : d.configs()) {
                Scores r = cat.getValue().get(config);
                if (r == null) {
                    continue;
                }
                page.add("<tr").add(first ? " class=\"first\"" : "").add("><td>").add(first ? Page.esc(cat.getKey()) : "")
                        .add("</td><td>").add(Page.esc(config)).add("</td><td class=\"num\">").add(r.n()).add("</td>");
                for (int k = 0; k < NAMES.size(); k++) {
                    double v = r.values()[k];
                    page.add("<td class=\"num\">").add(String.format(Locale.ROOT, "%.3f", v));
                    if (base != null && r != base) {
                        double diff = 100 * (v - base.values()[k]);
                        page.add(Page.difference(diff, NAMES.get(k).equals("yes_ratio") ? "neutral" : diff > 0 ? "better" : "worse"));
                    }
                    page.add("</td>");
                }
                if (!other.isEmpty()) {
                    Double o = other.get(config + "\u0000" + cat.getKey());
                    page.add("<td class=\"num\">").add(o == null ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * o)).add("</td>");
                }
                page.add("</tr>\n");
                first = false;
            }
        }
        page.add("</table>\n");
        Map<String, Map<String, Double>> acc = new LinkedHashMap<>();
        Map<String, Map<String, Double>> f1 = new LinkedHashMap<>();
        for (String config : d.configs()) {
            Map<String, Double> a = new LinkedHashMap<>();
            Map<String, Double> f = new LinkedHashMap<>();
            for (Map.Entry<String, Map<String, Scores>> cat : d.byCategory().entrySet()) {
                Scores r = cat.getValue().get(config);
                if (r != null) {
                    a.put(cat.getKey(), r.values()[0]);
                    f.put(cat.getKey(), r.values()[3]);
                }
            }
            acc.put(config, a);
            f1.put(config, f);
        }
        page.add("<div class=\"row\">");
        page.img(Charts.bars("Accuracy per split", "split (category)", "accuracy (fraction correct)", acc, 1.0), "metrics_accuracy", 620, 380,
                "accuracy per split and config");
        page.img(Charts.bars("F1 per split (positive = yes)", "split (category)", "F1", f1, 1.0), "metrics_f1", 620, 380, "F1 per split and config");
        page.add("</div>\n");
    }
}
