package sinkscope.report;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;

/**
 * Image attention per decoder layer from {@code grounding}: for every numeric column but {@code layer}
 * ({@code image_attention}, {@code object_share}, and any extra the table has) the mean over samples per layer, one
 * line per configuration.
 */
final class GroundingSection extends Section<GroundingSection.Data> {
    /**
     * {@code measures}: the numeric columns; {@code series}: measure -> config (page order) -> (layer, mean) points by
     * layer, configs without a value left out; {@code empty}: the table has no rows.
     */
    record Data(Input.Missing missing, boolean empty, List<String> measures, Map<String, Map<String, double[][]>> series) {}

    GroundingSection() {
        super("grounding", "Grounding: image attention per layer");
    }

    @Override
    Data query(Input in) {
        Dataset<Row> g = in.table("grounding");
        Input.Missing missing = Input.Missing.check("grounding", g, "config", "layer", "image_attention");
        if (missing != null) {
            return new Data(missing, true, List.of(), Map.of());
        }
        List<String> measures = new ArrayList<>();
        for (StructField f : g.schema().fields()) {
            if (f.dataType() instanceof NumericType && !f.name().equals("layer")) {
                measures.add(f.name());
            }
        }
        List<Column> aggs = new ArrayList<>();
        for (String v : measures) {
            aggs.add(avg(col(v).cast("double")).as(v));
        }
        aggs.add(count("*").as("rows"));
        List<Row> rows = g.groupBy("config", "layer").agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new))
                .orderBy("config", "layer").collectAsList();
        Set<String> configs = new TreeSet<>(Order.CONFIGS);
        rows.forEach(r -> configs.add(r.getAs("config")));
        Map<String, Map<String, double[][]>> series = new LinkedHashMap<>();
        for (String v : measures) {
            Map<String, double[][]> s = new LinkedHashMap<>();
            for (String c : configs) {
                double[][] points = rows.stream().filter(r -> r.getAs("config").equals(c) && r.getAs(v) != null)
                        .map(r -> new double[] {(Integer) r.getAs("layer"), r.<Double>getAs(v)}).toArray(double[][]::new);
                if (points.length > 0) {
                    s.put(c, points);
                }
            }
            series.put(v, s);
        }
        return new Data(null, rows.isEmpty(), measures, series);
    }

    @Override
    void render(Data d, Page page) throws IOException {
        if (d.missing() != null) {
            page.absent(d.missing(), "run evaluate with a runner that reports per-layer image attention");
            return;
        }
        if (d.empty()) {
            page.note("grounding is empty.");
            return;
        }
        page.add("<p>Mean over samples, per decoder layer and configuration, of the last prompt token's attention")
                .add(d.measures().size() > 1 ? " (one chart per measure the table has: " + Page.esc(String.join(", ", d.measures())) + ")" : "")
                .add(". VAR should raise the image attention of the layers it redistributes in; the ablations show what removing the"
                        + " sink tokens' attention does.</p>\n<div class=\"row\">");
        for (var s : d.series().entrySet()) {
            String v = s.getKey();
            if (s.getValue().isEmpty()) {
                page.note(Page.esc(v) + ": no values (e.g. no question in the input has an object box).");
                continue;
            }
            String title = switch (v) {
                case "image_attention" -> "Image attention of the last prompt token";
                case "object_share" -> "Share of the image attention on the asked object";
                default -> v.replace('_', ' ') + " of the last prompt token";
            };
            String axis = switch (v) {
                case "image_attention" -> "image attention (mean over heads)";
                case "object_share" -> "share on the object's patches (mean)";
                default -> v.replace('_', ' ') + " (mean)";
            };
            page.img(Charts.lines(title, "decoder layer", axis, s.getValue(), false), "grounding_" + Page.safe(v), 620, 400, title);
        }
        page.add("</div>\n");
    }
}
