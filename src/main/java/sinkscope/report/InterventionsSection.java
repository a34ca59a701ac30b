package sinkscope.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import sinkscope.intervention.Intervention;
import sinkscope.intervention.Interventions;

/**
 * Every configuration side by side, per benchmark: its headline metric (category {@code all}, from
 * {@code benchmark_metrics}), its difference against baseline and against VAR's default config {@code var} with the
 * paired-bootstrap interval and significance (from {@code significance}, column {@code against}), and its cost per
 * sample: the forward passes per generated token its registered intervention adds to the baseline's one
 * ({@link Intervention#extraPassesPerToken}) and its mean model time per sample over baseline's (mean
 * {@code latency_ms} of {@code predictions}, the same questions).
 */
final class InterventionsSection extends Section<InterventionsSection.Data> {
    /** A difference against one config with its interval; null fields where the table has none. */
    record Diff(Double difference, Double low, Double high, boolean significant) {}

    /** One config's row of a benchmark. */
    record Line(String config, Double value, Diff vsBaseline, Diff vsVar, Integer extraPasses, Double timeRatio) {}

    record Data(Input.Missing missing, Map<String, String> headlines, Map<String, List<Line>> lines) {}

    InterventionsSection() {
        super("interventions", "Interventions side by side");
    }

    @Override
    Data query(Input in) {
        var all = BenchmarkSection.read(in);
        if (all == null) {
            return new Data(Input.Missing.check("benchmark_metrics", in.table("benchmark_metrics"), BenchmarkSection.COLUMNS), Map.of(), Map.of());
        }
        Map<String, Map<String, Diff>> sig = new LinkedHashMap<>(); // benchmark \u0000 config -> against -> diff
        Dataset<Row> s = in.table("significance");
        if (Input.Missing.check("significance", s, "benchmark", "config", "against", "difference", "ci_low", "ci_high", "significant") == null) {
            for (Row r : s.select("benchmark", "config", "against", "difference", "ci_low", "ci_high", "significant").collectAsList()) {
                sig.computeIfAbsent(r.getString(0) + "\u0000" + r.getString(1), k -> new TreeMap<>())
                        .put(r.getString(2), new Diff(d(r, 3), d(r, 4), d(r, 5), r.getBoolean(6)));
            }
        }
        Map<String, Double> latency = new LinkedHashMap<>(); // benchmark \u0000 config -> mean latency_ms
        Dataset<Row> p = in.table("predictions");
        if (Input.Missing.check("predictions", p, "benchmark", "config", "latency_ms") == null) {
            for (Row r : p.groupBy("benchmark", "config").agg(functions.avg("latency_ms")).collectAsList()) {
                latency.put(r.getString(0) + "\u0000" + r.getString(1), r.isNullAt(2) ? null : r.getDouble(2));
            }
        }
        Map<String, String> headlines = new LinkedHashMap<>();
        Map<String, List<Line>> lines = new LinkedHashMap<>();
        for (var b : all.entrySet()) {
            java.util.Set<String> names = new java.util.LinkedHashSet<>();
            b.getValue().values().forEach(c -> names.addAll(c.getOrDefault("all", Map.of()).keySet()));
            String h = BenchmarkSection.headline(b.getKey(), names);
            if (h == null) {
                continue;
            }
            headlines.put(b.getKey(), h);
            Double base = latency.get(b.getKey() + "\u0000" + Interventions.BASELINE);
            List<Line> rows = new java.util.ArrayList<>();
            for (var c : b.getValue().entrySet()) {
                BenchmarkSection.Value v = c.getValue().getOrDefault("all", Map.of()).get(h);
                Map<String, Diff> diffs = sig.getOrDefault(b.getKey() + "\u0000" + c.getKey(), Map.of());
                Double mine = latency.get(b.getKey() + "\u0000" + c.getKey());
                rows.add(new Line(c.getKey(), v == null ? null : v.value(), diffs.get(Interventions.BASELINE), diffs.get(Interventions.REFERENCE),
                        extraPasses(c.getKey()), base == null || mine == null || base == 0 ? null : mine / base));
            }
            lines.put(b.getKey(), rows);
        }
        return new Data(null, headlines, lines);
    }

    /** The extra passes per token of config {@code name} as its settings run; null for a name this build cannot parse. */
    static Integer extraPasses(String name) {
        try {
            sinkscope.spark.EvalConfig c = sinkscope.spark.EvalConfig.parse(name);
            return c.intervention().extraPassesPerToken(c.settings());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Double d(Row r, int i) {
        return r.isNullAt(i) ? null : ((Number) r.get(i)).doubleValue();
    }

    @Override
    void render(Data d, Page page) {
        if (d.missing() != null) {
            page.absent(d.missing(), "run evaluate, e.g. --configs " + String.join(",", Interventions.names()));
            return;
        }
        page.add("<p>Each configuration of the run on each benchmark's headline metric (category <i>all</i>), with its difference against"
                + " <b>baseline</b> and against <b>var</b> (VAR's defaults) on the same questions: paired-bootstrap 95% interval, <b>bold</b>"
                + " where significant (McNemar p &lt; 0.05 for right/wrong scores, else the interval excludes 0). Cost per sample: forward"
                + " passes per generated token beyond baseline's one, as the method is built (its attention edits run inside the same passes),"
                + " and mean model time per sample over baseline's (<code>latency_ms</code> of the predictions). With vision sharing (the"
                + " default) the configs of a sample share its image's decoding and vision features, and the first config the job runs for"
                + " each sample (by name) pays for them: its time ratio is high by that much; <code>bench-forward --interventions</code> times"
                + " each method's generation against the bare one in lockstep.</p>\n");
        for (var b : d.lines().entrySet()) {
            page.add("<h3>").add(Page.esc(b.getKey())).add(" &mdash; ").add(Page.esc(d.headlines().get(b.getKey()))).add("</h3>\n");
            page.add("<table><tr><th>config</th><th>value</th><th>vs baseline</th><th>vs var</th><th>extra passes / token</th>"
                    + "<th>time / baseline</th></tr>\n");
            for (Line l : b.getValue()) {
                page.add("<tr><td>").add(Page.esc(l.config())).add("</td>").add(Page.num(l.value(), "%.3f"))
                        .add("<td class=\"num\">").add(diff(l.vsBaseline())).add("</td><td class=\"num\">").add(diff(l.vsVar()))
                        .add("</td><td class=\"num\">").add(l.extraPasses() == null ? "" : l.extraPasses()).add("</td>")
                        .add(Page.num(l.timeRatio(), "%.2f")).add("</tr>\n");
            }
            page.add("</table>\n");
        }
    }

    private static String diff(Diff x) {
        if (x == null || x.difference() == null) {
            return "";
        }
        String t = String.format(Locale.ROOT, "%+.3f", x.difference())
                + (x.low() == null ? "" : String.format(Locale.ROOT, " [%+.3f, %+.3f]", x.low(), x.high()));
        return x.significant() ? "<b>" + t + "</b>" : t;
    }
}
