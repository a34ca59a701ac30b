package sinkscope.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import sinkscope.benchmark.Benchmark;
import sinkscope.benchmark.Benchmarks;
import sinkscope.eval.JudgeFiles;

/**
 * Each benchmark under its own heading, scored by its official definition ({@code benchmark_metrics}): a table of
 * every metric per category and configuration with the difference to baseline (percentage points; points for MME's
 * scores and caption length; CHAIR lower-is-better), and bars of its headline metric per category. The judge-scored
 * benchmarks of {@code predictions} get their answer files per configuration instead.
 */
final class BenchmarkSection extends Section<BenchmarkSection.Data> {
    /** A value of {@code benchmark_metrics} (null: not defined for the category) and the units it is over. */
    record Value(Double value, long n) {}

    /** A judge-scored benchmark: answers per config and the file each config's answers are in. */
    record Judge(String benchmark, Map<String, Long> answers, Map<String, String> files) {}

    /** {@code metrics}: see {@link #read}; null when {@code missing} is set. */
    record Data(Input.Missing missing, Map<String, Map<String, Map<String, Map<String, Value>>>> metrics, List<Judge> judged) {}

    BenchmarkSection() {
        super("benchmarks", "Benchmarks: each benchmark's own metrics");
    }

    /** The columns of {@code benchmark_metrics} the report reads. */
    static final String[] COLUMNS = {"benchmark", "config", "category", "metric", "value", "n"};

    /**
     * benchmark -> config (page order) -> category ({@code all} first) -> metric (table order) -> value, from
     * {@code benchmark_metrics}; null when the table is absent or lacks a column.
     */
    static Map<String, Map<String, Map<String, Map<String, Value>>>> read(Input in) {
        Dataset<Row> d = in.table("benchmark_metrics");
        if (Input.Missing.check("benchmark_metrics", d, COLUMNS) != null) {
            return null;
        }
        Map<String, Map<String, Map<String, Map<String, Value>>>> m = new TreeMap<>();
        for (Row r : d.select(COLUMNS[0], COLUMNS[1], COLUMNS[2], COLUMNS[3], COLUMNS[4], COLUMNS[5]).collectAsList()) {
            m.computeIfAbsent(r.getString(0), k -> new TreeMap<>(Order.CONFIGS)).computeIfAbsent(r.getString(1), k -> new TreeMap<>(Order.CATEGORIES))
                    .computeIfAbsent(r.getString(2), k -> new LinkedHashMap<>())
                    .put(r.getString(3), new Value(r.isNullAt(4) ? null : r.getDouble(4), r.getLong(5)));
        }
        return m;
    }

    /** The benchmark's headline metric among those it has at category all (the registry's, {@link Benchmarks#headline}). */
    static String headline(String benchmark, Collection<String> metrics) {
        return Benchmarks.headline(benchmark, metrics);
    }

    @Override
    Data query(Input in) {
        var metrics = read(in);
        if (metrics == null) {
            return new Data(Input.Missing.check("benchmark_metrics", in.table("benchmark_metrics"), COLUMNS), null, List.of());
        }
        return new Data(null, metrics, judged(in));
    }

    private static List<Judge> judged(Input in) {
        Dataset<Row> p = in.table("predictions");
        if (p == null || !Input.missing(p, "benchmark", "task", "config").isEmpty()) {
            return List.of();
        }
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        for (Row r : p.where("task = 'judge'").groupBy("benchmark", "config").count().collectAsList()) {
            counts.computeIfAbsent(r.getString(0), k -> new TreeMap<>(Order.CONFIGS)).put(r.getString(1), r.getLong(2));
        }
        List<Judge> judged = new ArrayList<>();
        counts.forEach((b, answers) -> {
            Map<String, String> files = new LinkedHashMap<>();
            answers.keySet().forEach(c -> files.put(c, in.root.path("judge/" + b + "/" + JudgeFiles.fileName(b, c))));
            judged.add(new Judge(b, answers, files));
        });
        return judged;
    }

    @Override
    void render(Data d, Page page) throws IOException {
        if (d.missing() != null) {
            page.absent(d.missing(), "run evaluate");
            return;
        }
        page.add("<p>Each benchmark scored by its official definition (<code>benchmark_metrics</code>): fractions except MME's scores"
                + " (points) and mean caption length (words); CHAIR is lower-is-better. The difference to <b>baseline</b> follows each value"
                + " in percentage points (points for MME).</p>\n");
        for (var b : d.metrics().entrySet()) {
            benchmark(b.getKey(), b.getValue(), page);
        }
        for (Judge j : d.judged()) {
            page.add("<h3 id=\"benchmark-").add(Page.esc(Page.safe(j.benchmark()))).add("\">").add(Page.esc(j.benchmark())).add("</h3>\n")
                    .add("<p>Judge-scored: SinkScope writes the answers in the file the benchmark's GPT judge reads and scores nothing itself"
                            + " (every question in each file; a failed generation is an empty answer).</p>\n"
                            + "<table><tr><th>config</th><th>answers</th><th>file for the judge</th></tr>\n");
            for (var c : j.answers().entrySet()) {
                page.add("<tr><td>").add(Page.esc(c.getKey())).add("</td><td class=\"num\">").add(c.getValue()).add("</td><td><code>")
                        .add(Page.esc(j.files().get(c.getKey()))).add("</code></td></tr>\n");
            }
            page.add("</table>\n");
        }
    }

    /** One benchmark: config -> category -> metric -> value. */
    private static void benchmark(String name, Map<String, Map<String, Map<String, Value>>> byConfig, Page page) throws IOException {
        page.add("<h3 id=\"benchmark-").add(Page.esc(Page.safe(name))).add("\">").add(Page.esc(name)).add("</h3>\n");
        Set<String> categories = new TreeSet<>(Order.CATEGORIES);
        Set<String> metricNames = new LinkedHashSet<>();
        for (var c : byConfig.values()) {
            categories.addAll(c.keySet());
            c.values().forEach(m -> metricNames.addAll(m.keySet()));
        }
        Map<String, Map<String, Value>> base = byConfig.get(sinkscope.intervention.Interventions.BASELINE);
        page.add("<table class=\"metrics\"><tr><th>category</th><th>config</th><th>n</th>");
        List<String> names = new ArrayList<>(metricNames);
        for (String m : names) {
            page.add("<th>").add(Page.esc(m)).add("</th>");
        }
        page.add("</tr>\n");
        for (String cat : categories) {
            boolean first = true;
            for (var c : byConfig.entrySet()) {
                Map<String, Value> row = c.getValue().get(cat);
                if (row == null) {
                    continue;
                }
                long n = row.values().iterator().next().n();
                page.add("<tr").add(first ? " class=\"first\"" : "").add("><td>").add(first ? Page.esc(cat) : "").add("</td><td>")
                        .add(Page.esc(c.getKey())).add("</td><td class=\"num\">").add(n).add("</td>");
                for (String m : names) {
                    Value r = row.get(m);
                    page.add("<td class=\"num\">");
                    if (r != null && r.value() != null) {
                        double v = r.value();
                        page.add(String.format(Locale.ROOT, "%.3f", v));
                        Value br = base == null || base.get(cat) == null ? null : base.get(cat).get(m);
                        if (br != null && br != r && br.value() != null) {
                            boolean points = Benchmarks.unit(name, m) != Benchmark.Unit.FRACTION;
                            double diff = (points ? 1 : 100) * (v - br.value());
                            boolean lowerBetter = m.startsWith("chair");
                            page.add(Page.difference(diff, m.equals("yes_ratio") || m.equals("mean_length") ? "neutral"
                                    : (diff > 0) != lowerBetter ? "better" : "worse"));
                        }
                    } else {
                        page.add(r == null ? "" : "&ndash;");
                    }
                    page.add("</td>");
                }
                page.add("</tr>\n");
                first = false;
            }
        }
        page.add("</table>\n");
        String h = headline(name, names);
        if (h != null) {
            Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
            for (var c : byConfig.entrySet()) {
                Map<String, Double> per = new LinkedHashMap<>();
                for (String cat : categories) {
                    Value r = c.getValue().getOrDefault(cat, Map.of()).get(h);
                    if (r != null && r.value() != null) {
                        per.put(cat, r.value());
                    }
                }
                bars.put(c.getKey(), per);
            }
            page.img(Charts.bars(name + ": " + h, "category", h, bars, Benchmarks.unit(name, h) == Benchmark.Unit.FRACTION ? 1.0 : null), "benchmark_" + Page.safe(name),
                    620, 340, name + " " + h + " per category and config");
        }
    }
}
