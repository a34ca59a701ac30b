package sinkscope.report;

import static org.apache.spark.sql.functions.col;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Sink dimensions and visual sink tokens per layer, from {@code sink_dimensions} and {@code sink_tokens}: the
 * recommended D_sink; for the {@value #TOP_DIMS} dimensions with the most massive image tokens over all layers
 * (recommended first) how often (frequency = tokens with |x_d| / RMS(x) above the floor / image tokens) and how
 * strongly (largest ratio) each is massive per layer; the top three per layer; sink tokens per image and their share
 * of the image tokens per layer.
 */
final class SinkSection extends Section<SinkSection.Data> {
    static final int TOP_DIMS = 6;

    /** A row of {@code sink_dimensions}. */
    record Dim(int layer, int dim, double frequency, double maxRatio, long count, int rank, boolean recommended) {}

    /** A row of {@code sink_tokens}. */
    record Tokens(int layer, double perImage, double share) {}

    /** {@code top}: the charted dimensions; {@code dimsMissing}/{@code tokensMissing} null when the table is usable. */
    record Data(Input.Missing dimsMissing, List<Dim> dims, Set<Integer> recommended, List<Integer> top, TreeSet<Integer> layers,
            Input.Missing tokensMissing, List<Tokens> tokens, String tau) {}

    SinkSection() {
        super("sink-dimensions", "Sink dimensions and visual sink tokens");
    }

    @Override
    Data query(Input in) {
        Dataset<Row> d = in.table("sink_dimensions");
        Input.Missing dimsMissing = Input.Missing.check("sink_dimensions", d, "layer", "dim", "frequency", "max_ratio", "count", "rank", "recommended");
        List<Dim> dims = new ArrayList<>();
        Set<Integer> recommended = new TreeSet<>();
        TreeSet<Integer> layers = new TreeSet<>();
        List<Integer> top = new ArrayList<>();
        if (dimsMissing == null) {
            for (Row r : d.select(col("layer"), col("dim"), col("frequency").cast("double"), col("max_ratio").cast("double"),
                    col("count").cast("long"), col("rank"), col("recommended")).collectAsList()) {
                dims.add(new Dim(r.getInt(0), r.getInt(1), r.getDouble(2), r.getDouble(3), r.getLong(4), r.getInt(5), r.getBoolean(6)));
            }
            Map<Integer, Long> total = new HashMap<>();
            for (Dim r : dims) {
                total.merge(r.dim(), r.count(), Long::sum);
                if (r.recommended()) {
                    recommended.add(r.dim());
                }
                layers.add(r.layer());
            }
            top.addAll(recommended);
            total.entrySet().stream().sorted(Map.Entry.<Integer, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .map(Map.Entry::getKey).filter(x -> !recommended.contains(x)).forEach(top::add);
            top = List.copyOf(top.subList(0, Math.min(TOP_DIMS, top.size())));
        }
        Dataset<Row> t = in.table("sink_tokens");
        Input.Missing tokensMissing = Input.Missing.check("sink_tokens", t, "layer", "visual_sinks_per_image", "sink_share");
        List<Tokens> tokens = new ArrayList<>();
        if (tokensMissing == null) {
            for (Row r : t.select(col("layer"), col("visual_sinks_per_image").cast("double"), col("sink_share").cast("double")).orderBy("layer")
                    .collectAsList()) {
                tokens.add(new Tokens(r.getInt(0), r.getDouble(1), r.getDouble(2)));
            }
        }
        return new Data(dimsMissing, dims, recommended, top, layers, tokensMissing, tokens, in.run.get("tau"));
    }

    @Override
    void render(Data d, Page page) throws IOException {
        if (d.dimsMissing() != null) {
            page.absent(d.dimsMissing(), "run sinkstats");
        } else {
            dimensions(d, page);
        }
        if (d.tokensMissing() != null) {
            page.absent(d.tokensMissing(), "run sinkstats");
        } else {
            tokens(d, page);
        }
    }

    private static void dimensions(Data d, Page page) throws IOException {
        Set<Integer> recommended = d.recommended();
        List<Integer> top = d.top();
        page.add("<p>Recommended D<sub>sink</sub>: <b>").add(recommended.isEmpty() ? "none" : Page.esc(recommended.toString()))
                .add("</b>. A dimension d is massive on an image token when |x<sub>d</sub>| / RMS(x) exceeds the extract floor;"
                        + " frequency = such tokens / all image tokens. Charts: the ").add(top.size() == 1 ? "dimension" : top.size() + " dimensions")
                .add(" with the most massive tokens over all layers (recommended first).</p>\n");
        if (d.dims().isEmpty()) {
            page.note("sink_dimensions is empty: no dimension exceeded the floor.");
            return;
        }
        Map<String, double[][]> freq = new LinkedHashMap<>();
        Map<String, double[][]> ratio = new LinkedHashMap<>();
        double maxRatio = 0;
        double minRatio = Double.MAX_VALUE;
        for (int dim : top) {
            Map<Integer, Dim> byLayer = new HashMap<>();
            d.dims().stream().filter(r -> r.dim() == dim).forEach(r -> byLayer.put(r.layer(), r));
            List<double[]> f = new ArrayList<>();
            List<double[]> m = new ArrayList<>();
            for (int l = d.layers().first(); l <= d.layers().last(); l++) {
                Dim r = byLayer.get(l);
                f.add(new double[] {l, r == null ? 0 : 100 * r.frequency()});
                if (r != null) {
                    m.add(new double[] {l, r.maxRatio()});
                    maxRatio = Math.max(maxRatio, r.maxRatio());
                    minRatio = Math.min(minRatio, r.maxRatio());
                }
            }
            String name = "dim " + dim + (recommended.contains(dim) ? " (D_sink)" : "");
            freq.put(name, f.toArray(double[][]::new));
            ratio.put(name, m.toArray(double[][]::new));
        }
        page.add("<div class=\"row\">");
        page.img(Charts.lines("How often each dimension is massive", "decoder layer", "image tokens with |x_d|/RMS(x) > floor (%)", freq, false),
                "sink_dims_frequency", 620, 400, "sink dimension frequency per layer");
        boolean log = maxRatio > 50 * minRatio;
        page.img(Charts.lines("How strongly: largest |x_d| / RMS(x)", "decoder layer", "max |x_d| / RMS(x)" + (log ? " (log scale)" : ""), ratio, log),
                "sink_dims_max_ratio", 620, 400, "sink dimension max ratio per layer");
        page.add("</div>\n<details><summary>Top 3 dimensions per layer</summary><table><tr><th>layer</th><th>rank 1</th><th>rank 2</th><th>rank 3</th></tr>");
        for (int l : d.layers()) {
            page.add("<tr><td class=\"num\">").add(l).add("</td>");
            List<Dim> ranked = d.dims().stream().filter(r -> r.layer() == l).sorted(Comparator.comparingInt(Dim::rank)).limit(3).toList();
            for (int k = 0; k < 3; k++) {
                page.add("<td>");
                if (k < ranked.size()) {
                    Dim r = ranked.get(k);
                    boolean rec = recommended.contains(r.dim());
                    page.add(rec ? "<b>" : "").add("dim ").add(r.dim()).add(rec ? "</b>" : "")
                            .add(String.format(Locale.ROOT, " &middot; %.1f%% &middot; max %.1f", 100 * r.frequency(), r.maxRatio()));
                }
                page.add("</td>");
            }
            page.add("</tr>");
        }
        page.add("</table></details>\n");
    }

    private static void tokens(Data d, Page page) throws IOException {
        Map<String, double[][]> perImage = new LinkedHashMap<>();
        perImage.put("visual sink tokens per image", d.tokens().stream().map(r -> new double[] {r.layer(), r.perImage()}).toArray(double[][]::new));
        Map<String, double[][]> share = new LinkedHashMap<>();
        share.put("share of image tokens", d.tokens().stream().map(r -> new double[] {r.layer(), 100 * r.share()}).toArray(double[][]::new));
        page.add("<p>Visual sink tokens: image tokens whose sink score &phi; = max<sub>d&isin;D_sink</sub> |x<sub>d</sub>| / RMS(x) exceeds &tau;")
                .add(d.tau() == null ? "" : " = " + Page.esc(d.tau())).add(".</p>\n<div class=\"row\">");
        page.img(Charts.lines("Visual sink tokens per image", "decoder layer", "sink tokens per image (mean)", perImage, false),
                "sink_tokens_per_image", 620, 360, "visual sink tokens per image per layer");
        page.img(Charts.lines("Visual sinks as a share of image tokens", "decoder layer", "share of image tokens (%)", share, false),
                "sink_tokens_share", 620, 360, "visual sink share per layer");
        page.add("</div>\n");
    }
}
