package sinkscope.report;

import static org.apache.spark.sql.functions.col;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Layer x head heatmaps from {@code head_profile}, per query kind ({@code last} first): the mean attention mass on
 * image tokens, and the fraction of samples in which the head is image-centric (image attention >= summ and
 * visual-sink share <= rho: the heads VAR redistributes in). A cell the table lacks is NaN (grey).
 */
final class HeadSection extends Section<HeadSection.Data> {
    /** One query kind's {@code [layer][head]} matrices and the largest image attention. */
    record Query(String name, double[][] image, double[][] centric, double max) {}

    /** {@code queries} empty: the table has no rows. */
    record Data(Input.Missing missing, String summ, String rho, int layers, int heads, List<Query> queries) {}

    HeadSection() {
        super("heads", "Heads: image attention and image-centric share");
    }

    @Override
    Data query(Input in) {
        Dataset<Row> heads = in.table("head_profile");
        Input.Missing missing = Input.Missing.check("head_profile", heads, "layer", "head", "query", "mean_image_attention", "image_centric_fraction");
        String summ = in.run.get("summ");
        String rho = in.run.get("rho");
        if (missing != null) {
            return new Data(missing, summ, rho, 0, 0, List.of());
        }
        List<Row> rows = heads.select(col("layer"), col("head"), col("query"), col("mean_image_attention").cast("double"),
                col("image_centric_fraction").cast("double")).collectAsList();
        int layers = rows.stream().mapToInt(r -> r.getInt(0)).max().orElse(0) + 1;
        int nHeads = rows.stream().mapToInt(r -> r.getInt(1)).max().orElse(0) + 1;
        Set<String> names = new TreeSet<>(Comparator.comparing((String q) -> q.equals("last") ? 0 : 1).thenComparing(Comparator.naturalOrder()));
        rows.forEach(r -> names.add(r.getString(2)));
        List<Query> queries = new ArrayList<>();
        for (String q : names) {
            double[][] image = nan(layers, nHeads);
            double[][] centric = nan(layers, nHeads);
            double max = 0;
            for (Row r : rows) {
                if (r.getString(2).equals(q)) {
                    image[r.getInt(0)][r.getInt(1)] = r.getDouble(3);
                    centric[r.getInt(0)][r.getInt(1)] = r.getDouble(4);
                    max = Math.max(max, r.getDouble(3));
                }
            }
            queries.add(new Query(q, image, centric, max));
        }
        return new Data(null, summ, rho, layers, nHeads, queries);
    }

    @Override
    void render(Data d, Page page) throws IOException {
        if (d.missing() != null) {
            page.absent(d.missing(), "run sinkstats");
            return;
        }
        if (d.queries().isEmpty()) {
            page.note("head_profile is empty.");
            return;
        }
        page.add("<p>Per (layer, head), averaged over samples: the attention mass on image tokens, and the fraction of samples in which"
                + " the head is image-centric (image attention &ge; summ")
                .add(d.summ() == null ? "" : " = " + Page.esc(d.summ())).add(" and visual-sink share &le; &rho;")
                .add(d.rho() == null ? "" : " = " + Page.esc(d.rho()))
                .add("; the heads VAR redistributes in). Query <i>last</i>: the last prompt token; <i>text_mean</i>: mean over the text"
                        + " tokens after the image.</p>\n");
        int h = Math.max(360, Math.min(900, 120 + 14 * d.layers()));
        int w = Math.max(520, Math.min(900, 220 + 16 * d.heads()));
        for (Query q : d.queries()) {
            page.add("<div class=\"row\">");
            page.img(Charts.heatmap("Image attention, query " + q.name(), "head", "decoder layer", "attention mass on image tokens", q.image(), 0,
                    q.max() > 0 ? q.max() : 1), "heads_image_attention_" + Page.safe(q.name()), w, h, "image attention per layer and head, query " + q.name());
            page.img(Charts.heatmap("Image-centric share, query " + q.name(), "head", "decoder layer", "fraction of samples image-centric", q.centric(),
                    0, 1), "heads_image_centric_" + Page.safe(q.name()), w, h, "image-centric fraction per layer and head, query " + q.name());
            page.add("</div>\n");
        }
    }

    private static double[][] nan(int rows, int cols) {
        double[][] z = new double[rows][cols];
        for (double[] r : z) {
            Arrays.fill(r, Double.NaN);
        }
        return z;
    }
}
