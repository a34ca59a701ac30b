package sinkscope.spark;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.when;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The results table a run prints when it ends: per config × split the POPE accuracy, F1 and yes-ratio with the
 * grounding (mean over layers of the share of the last prompt token's image attention on the asked object's
 * patches); per layer the visual sinks per image and the share of image-centric heads (fraction of (head, sample)
 * pairs whose last prompt token is image-centric); and where the tables are.
 */
public final class RunSummary {
    private RunSummary() {}

    public static void print(OutputRoot out, PrintStream log) {
        StringBuilder s = new StringBuilder("\nresults\n");
        Dataset<Row> metrics = out.read("metrics", Tables.METRICS);
        // the grounding of every (config, split) and of every config ("all") in two aggregations, not one job per printed row
        java.util.Map<List<String>, Double> grounding = new java.util.HashMap<>();
        Dataset<Row> shares = out.read("grounding", Tables.GROUNDING)
                .join(out.read("predictions", Tables.PREDICTIONS).select("question_id", "config", "category"), new String[] {"question_id", "config"});
        for (Row r : shares.groupBy("config", "category").agg(avg("object_share")).collectAsList()) {
            if (!r.isNullAt(2)) {
                grounding.put(java.util.Arrays.asList(r.getString(0), r.getString(1)), r.getDouble(2));
            }
        }
        for (Row r : shares.groupBy("config").agg(avg("object_share")).collectAsList()) {
            if (!r.isNullAt(1)) {
                grounding.put(List.of(r.getString(0), "all"), r.getDouble(1));
            }
        }
        List<Row> rows = metrics.where(col("benchmark").equalTo("pope")).orderBy(col("category"), col("config")).collectAsList();
        if (!rows.isEmpty()) {
            s.append("pope\n");
            s.append(String.format(Locale.ROOT, "%-14s %-12s %6s %9s %7s %9s %10s%n", "config", "split", "n", "accuracy", "f1", "yes_ratio",
                    "grounding"));
            for (Row r : rows) {
                String config = r.getAs("config");
                String category = r.getAs("category");
                Double g = grounding.get(java.util.Arrays.asList(config, category));
                s.append(String.format(Locale.ROOT, "%-14s %-12s %6d %9.3f %7.3f %9.3f %10s%n", config, category, (long) r.getAs("n"),
                        (double) r.getAs("accuracy"), (double) r.getAs("f1"), (double) r.getAs("yes_ratio"),
                        g == null ? "-" : String.format(Locale.ROOT, "%.3f", g)));
            }
        }
        benchmarks(out, s);
        Dataset<Row> heads = out.read("heads", Tables.HEADS).where(col("query").equalTo(ExtractResult.QUERY_LAST)).groupBy("layer")
                .agg(avg(when(col("image_centric"), 1.0).otherwise(0.0)).as("image_centric_share"), count("*").as("n"));
        List<Row> sinks = out.read("sink_tokens", Tables.SINK_TOKENS).join(heads, "layer").orderBy("layer").collectAsList();
        if (!sinks.isEmpty()) {
            s.append(String.format(Locale.ROOT, "%n%5s %22s %22s%n", "layer", "visual sinks / image", "image-centric heads"));
            for (Row r : sinks) {
                s.append(String.format(Locale.ROOT, "%5d %22.2f %22.3f%n", (int) r.getAs("layer"), (double) r.getAs("visual_sinks_per_image"),
                        (double) r.getAs("image_centric_share")));
            }
        }
        s.append("\ntables under ").append(out.root()).append('\n');
        log.print(s);
    }

    /**
     * Per benchmark other than POPE's split table: each config's metrics over all questions; then each config against
     * baseline on its benchmark's per-question score (difference, 95% interval, McNemar p, significant).
     */
    private static void benchmarks(OutputRoot out, StringBuilder s) {
        if (!out.exists("benchmark_metrics")) {
            return;
        }
        List<Row> rows = out.read("benchmark_metrics", Tables.BENCHMARK_METRICS).where(col("category").equalTo("all")
                .and(col("benchmark").notEqual("pope"))).collectAsList();
        java.util.Map<String, java.util.Map<String, java.util.Map<String, Row>>> by = new java.util.TreeMap<>();
        java.util.Map<String, java.util.List<String>> metricOrder = new java.util.TreeMap<>();
        for (Row r : rows) {
            String b = r.getAs("benchmark");
            String m = r.getAs("metric");
            by.computeIfAbsent(b, k -> new java.util.TreeMap<>(EvaluateJob.configOrder())).computeIfAbsent(r.getAs("config"), k -> new java.util.LinkedHashMap<>())
                    .put(m, r);
            List<String> order = metricOrder.computeIfAbsent(b, k -> new java.util.ArrayList<>());
            if (!order.contains(m)) {
                order.add(m);
            }
        }
        for (var b : by.entrySet()) {
            List<String> names = metricOrder.get(b.getKey());
            s.append('\n').append(b.getKey()).append('\n').append(String.format(Locale.ROOT, "%-14s %6s", "config", "n"));
            for (String m : names) {
                s.append(String.format(Locale.ROOT, " %" + Math.max(9, m.length()) + "s", m));
            }
            s.append('\n');
            for (var c : b.getValue().entrySet()) {
                long n = c.getValue().values().iterator().next().getAs("n");
                s.append(String.format(Locale.ROOT, "%-14s %6d", c.getKey(), n));
                for (String m : names) {
                    Row r = c.getValue().get(m);
                    Double v = r == null ? null : r.getAs("value");
                    s.append(String.format(Locale.ROOT, " %" + Math.max(9, m.length()) + "s", v == null ? "-" : String.format(Locale.ROOT, "%.3f", v)));
                }
                s.append('\n');
            }
        }
        if (!out.exists("significance")) {
            return;
        }
        List<Row> sig = out.read("significance", Tables.SIGNIFICANCE).orderBy("benchmark", "against", "config").collectAsList();
        if (!sig.isEmpty()) {
            s.append(String.format(Locale.ROOT, "%nsignificance%n%-14s %-14s %-9s %-17s %5s %9s %19s %9s %s%n", "benchmark", "config", "against", "metric", "n",
                    "diff", "95% interval", "mcnemar_p", "significant"));
            for (Row r : sig) {
                Double d = r.getAs("difference");
                Double lo = r.getAs("ci_low");
                Double hi = r.getAs("ci_high");
                Double p = r.getAs("mcnemar_p");
                String against = r.getAs("against");
                s.append(String.format(Locale.ROOT, "%-14s %-14s %-9s %-17s %5d %9s %19s %9s %s%n", (String) r.getAs("benchmark"), (String) r.getAs("config"),
                        against == null ? "baseline" : against,
                        (String) r.getAs("metric"), (long) r.getAs("n"), d == null ? "-" : String.format(Locale.ROOT, "%+.3f", d),
                        lo == null ? "-" : String.format(Locale.ROOT, "[%+.3f, %+.3f]", lo, hi), p == null ? "-" : String.format(Locale.ROOT, "%.3f", p),
                        (boolean) r.getAs("significant") ? "yes" : "no"));
            }
        }
    }
}
