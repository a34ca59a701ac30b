package sinkscope.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import sinkscope.intervention.Interventions;
import sinkscope.spark.EvalConfig;

/**
 * The configurations' parameters (from their names, {@link EvalConfig#parse}, over their intervention's defaults)
 * against each benchmark's headline metric at category {@code all}, for every registered intervention whose configs
 * vary a parameter: a table of those configs (baseline for reference) and, per varied parameter (labelled
 * {@code <intervention> <parameter>}), a chart of the metric over its values among the configs of that intervention
 * whose other parameters are the defaults.
 */
final class SweepSection extends Section<SweepSection.Data> {
    /**
     * {@code var}: config -> its parameters (labelled); {@code keys}: every label of a swept intervention; {@code headlines}: benchmark -> its
     * headline metric; {@code values}: benchmark -> config -> headline value (null: none); {@code series}: varied
     * parameter -> "benchmark metric" -> (parameter value, metric) points by value.
     */
    record Data(Input.Missing missing, Map<String, Map<String, Double>> var, Set<String> keys, List<String> varying, Map<String, String> headlines,
            Map<String, Map<String, Double>> values, Map<String, Map<String, double[][]>> series) {}

    SweepSection() {
        super("sweep", "VAR parameter sensitivity");
    }

    @Override
    Data query(Input in) {
        var all = BenchmarkSection.read(in);
        if (all == null) {
            return new Data(Input.Missing.check("benchmark_metrics", in.table("benchmark_metrics"), BenchmarkSection.COLUMNS), Map.of(), Set.of(),
                    List.of(), Map.of(), Map.of(), Map.of());
        }
        Map<String, Map<String, Double>> all0 = new TreeMap<>(Order.CONFIGS);
        Map<String, Double> defaults = new LinkedHashMap<>();
        Map<String, String> owner = new LinkedHashMap<>(); // label -> intervention
        for (var b : all.values()) {
            for (String c : b.keySet()) {
                try {
                    EvalConfig ec = EvalConfig.parse(c);
                    if (ec.intervention().parameters().isEmpty()) {
                        continue;
                    }
                    Map<String, Double> labelled = new LinkedHashMap<>();
                    Map<String, Double> d = Interventions.defaults(ec.intervention());
                    ec.values().forEach((k, v) -> {
                        String label = ec.kind() + " " + k;
                        labelled.put(label, v);
                        owner.put(label, ec.kind());
                        if (d.containsKey(k)) {
                            defaults.put(label, d.get(k));
                        }
                    });
                    all0.put(c, labelled);
                } catch (IllegalArgumentException e) {
                    // a config name this version does not parse: not part of a sweep
                }
            }
        }
        List<String> varying = new ArrayList<>();
        for (String k : owner.keySet()) {
            if (all0.values().stream().filter(p -> p.containsKey(k)).map(p -> p.get(k)).distinct().count() > 1) {
                varying.add(k);
            }
        }
        Set<String> swept = new TreeSet<>();
        varying.forEach(k -> swept.add(owner.get(k)));
        Map<String, Map<String, Double>> var = new LinkedHashMap<>();
        all0.forEach((c, p) -> {
            if (swept.contains(Interventions.prefixOf(c).name())) {
                var.put(c, p);
            }
        });
        Set<String> keys = new LinkedHashSet<>();
        owner.forEach((k, i) -> {
            if (swept.contains(i)) {
                keys.add(k);
            }
        });
        Map<String, String> headlines = new LinkedHashMap<>();
        Map<String, Map<String, Double>> values = new LinkedHashMap<>();
        for (var b : all.entrySet()) {
            Set<String> names = new LinkedHashSet<>();
            b.getValue().values().forEach(c -> names.addAll(c.getOrDefault("all", Map.of()).keySet()));
            String h = BenchmarkSection.headline(b.getKey(), names);
            if (h != null) {
                headlines.put(b.getKey(), h);
                Map<String, Double> v = new LinkedHashMap<>();
                b.getValue().forEach((c, cats) -> {
                    BenchmarkSection.Value r = cats.getOrDefault("all", Map.of()).get(h);
                    v.put(c, r == null ? null : r.value());
                });
                values.put(b.getKey(), v);
            }
        }
        Map<String, Map<String, double[][]>> series = new LinkedHashMap<>();
        for (String k : varying) {
            Map<String, double[][]> s = new LinkedHashMap<>();
            for (var h : headlines.entrySet()) {
                List<double[]> pts = new ArrayList<>();
                for (var e : var.entrySet()) {
                    if (!e.getValue().containsKey(k)) {
                        continue;
                    }
                    boolean othersDefault = e.getValue().entrySet().stream().filter(p -> !p.getKey().equals(k))
                            .allMatch(p -> p.getValue().equals(defaults.get(p.getKey())));
                    Double x = e.getValue().get(k);
                    Double y = values.get(h.getKey()).get(e.getKey());
                    if (othersDefault && x != null && y != null) {
                        pts.add(new double[] {x, y});
                    }
                }
                pts.sort(Comparator.comparingDouble(p -> p[0]));
                if (!pts.isEmpty()) {
                    s.put(h.getKey() + " " + h.getValue(), pts.toArray(double[][]::new));
                }
            }
            series.put(k, s);
        }
        return new Data(null, var, keys, varying, headlines, values, series);
    }

    @Override
    void render(Data d, Page page) throws IOException {
        if (d.missing() != null) {
            page.absent(d.missing(), "run evaluate");
            return;
        }
        if (d.varying().isEmpty()) {
            page.note("No sweep: no intervention's configurations vary a parameter. Add one with"
                    + " <code>--configs baseline,var[rho=0.5:0.9:0.1]</code> or <code>pai[alpha=0.1:0.5:0.2]</code>.");
            return;
        }
        page.add("<p>Every configuration of a swept intervention with its parameters and each benchmark's headline metric (category <i>all</i>);"
                + " baseline for reference. Parameters varied: ").add(Page.esc(String.join(", ", d.varying()))).add(".</p>\n");
        page.add("<table><tr><th>config</th>");
        for (String k : d.keys()) {
            page.add("<th>").add(Page.esc(k)).add("</th>");
        }
        d.headlines().forEach((b, h) -> page.add("<th>").add(Page.esc(b)).add("<br>").add(Page.esc(h)).add("</th>"));
        page.add("</tr>\n");
        List<String> shown = new ArrayList<>();
        shown.add(Interventions.BASELINE);
        shown.addAll(d.var().keySet());
        for (String c : shown) {
            Map<String, Double> params = d.var().get(c);
            page.add("<tr><td>").add(Page.esc(c)).add("</td>");
            for (String k : d.keys()) {
                page.add("<td class=\"num\">").add(params == null || params.get(k) == null ? "" : fmt(params.get(k))).add("</td>");
            }
            for (String b : d.headlines().keySet()) {
                page.add(Page.num(d.values().get(b).get(c), "%.3f"));
            }
            page.add("</tr>\n");
        }
        page.add("</table>\n<div class=\"row\">");
        for (var s : d.series().entrySet()) {
            if (!s.getValue().isEmpty()) {
                JFreeChart chart = Charts.lines("Sensitivity to " + s.getKey(), s.getKey(), "headline metric", s.getValue(), false);
                // parameter values are fractions: decimal ticks, not the layer charts' integer ones
                ((NumberAxis) chart.getXYPlot().getDomainAxis()).setStandardTickUnits(NumberAxis.createStandardTickUnits());
                page.img(chart, "sweep_" + Page.safe(s.getKey()), 620, 400, "headline metrics over " + s.getKey());
            }
        }
        page.add("</div>\n");
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
