package sinkscope.report;

import static org.apache.spark.sql.functions.col;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.jfree.chart.JFreeChart;
import sinkscope.data.ImageDecoder;
import sinkscope.data.Question;

/**
 * Attention of the last prompt token over the image patches (the paper's Figure 1 view), mean over heads, for up to
 * {@value #SAMPLES} samples (one per image, grounded ones first) at up to {@value #LAYERS} layers spread over those
 * recorded: one row of panels per configuration, baseline vs VAR when the attention is recorded per config ({@code
 * attention} with a {@code config} column, or {@code attention_by_config} joined with the extract pass's sink
 * patches), else the extract pass only, said so. Each panel is drawn over the part of the picture it shows (the
 * table's {@code picture} rectangle, which the family's image layout gives: a centre crop, a tile, the whole picture;
 * the whole picture for tables written before it existed), sink patches outlined, the asked object's box dashed.
 */
final class AttentionSection extends Section<AttentionSection.Data> {
    static final int SAMPLES = 4;
    static final int LAYERS = 4;
    /** The picture rectangle of a panel whose table has none. */
    private static final double[] WHOLE = {0, 0, 1, 1};

    /**
     * One recorded attention row: a layer's patch grid, panel {@code panel} of the image span, showing {@code picture}
     * ({@code x0, y0, x1, y1} as fractions of the picture's width and height) of the picture.
     */
    record Panel(int layer, int panel, int rows, int cols, float[] weights, List<Integer> sinks, double[] picture) {}

    /**
     * A chosen sample: its question (null when the question file is unknown), label, answer per config, the decoded
     * image (null: grid only, {@code imageNote} says why) and its panels per config, by layer then panel.
     */
    record Sample(String id, Question question, String label, Map<String, String> answers, BufferedImage image, String imageNote,
            Map<String, List<Panel>> panels) {}

    /** {@code samples} empty and {@code missing} null: the table has no rows. */
    record Data(Input.Missing missing, List<Integer> layers, boolean byConfig, Set<String> configs, List<Sample> samples) {}

    AttentionSection() {
        super("attention", "Attention of the last prompt token over the image");
    }

    @Override
    Data query(Input in) throws IOException {
        Dataset<Row> att = in.table("attention");
        Input.Missing missing = Input.Missing.check("attention", att, "question_id", "layer", "panel", "grid_rows", "grid_cols", "weights",
                "sink_patches");
        if (missing != null) {
            return new Data(missing, List.of(), false, Set.of(), List.of());
        }
        Dataset<Row> perConfig = in.table("attention_by_config");
        if (!Input.has(att, "config") && perConfig != null
                && Input.missing(perConfig, "question_id", "config", "layer", "panel", "grid_rows", "grid_cols", "weights").isEmpty()) {
            // evaluate recorded every config's attention; the sink patches come from the extract pass
            att = perConfig.select("question_id", "config", "layer", "panel", "grid_rows", "grid_cols", "weights")
                    .join(att.select(Input.has(att, "picture") ? new Column[] {col("question_id"), col("layer"), col("panel"), col("sink_patches"), col("picture")}
                            : new Column[] {col("question_id"), col("layer"), col("panel"), col("sink_patches")}), new String[] {"question_id", "layer", "panel"});
        }
        boolean byConfig = Input.has(att, "config");
        List<Row> ids = att.select("question_id").distinct().collectAsList();
        if (ids.isEmpty()) {
            return new Data(null, List.of(), byConfig, Set.of(), List.of());
        }
        Map<String, Question> questions = in.questions();
        Map<String, String> labels = in.column("samples", "label");
        List<String> chosen = chooseSamples(ids.stream().map(r -> r.getString(0)).toList(), questions, labels);
        List<Integer> layers = spread(att.select("layer").distinct().collectAsList().stream().map(r -> r.getInt(0)).sorted().toList(), LAYERS);
        Dataset<Row> rows = att.where(col("question_id").isin(chosen.toArray()).and(col("layer").isin(layers.toArray())));
        List<String> cols = new ArrayList<>(List.of("question_id", "layer", "panel", "grid_rows", "grid_cols", "weights", "sink_patches"));
        if (byConfig) {
            cols.add("config");
        }
        boolean pictures = Input.has(att, "picture");
        if (pictures) {
            cols.add("picture");
        }
        Set<String> configs = new TreeSet<>(Order.CONFIGS);
        // sample -> config -> layer -> panel -> the panel's row (one per key: the last read)
        Map<String, Map<String, Map<Integer, Map<Integer, Panel>>>> bySample = new HashMap<>();
        for (Row r : rows.select(cols.stream().map(Column::new).toArray(Column[]::new)).collectAsList()) {
            String config = byConfig ? r.getAs("config") : "extract";
            configs.add(config);
            Panel p = new Panel(r.getAs("layer"), r.getAs("panel"), r.getAs("grid_rows"), r.getAs("grid_cols"),
                    floats(r.getList(r.fieldIndex("weights"))), r.getList(r.fieldIndex("sink_patches")),
                    pictures ? doubles(r.getList(r.fieldIndex("picture"))) : WHOLE);
            bySample.computeIfAbsent(r.getAs("question_id"), k -> new HashMap<>()).computeIfAbsent(config, k -> new TreeMap<>())
                    .computeIfAbsent(p.layer(), k -> new TreeMap<>()).put(p.panel(), p);
        }
        Map<String, Map<String, String>> answers = answers(in, chosen);
        Path imageRoot = in.run.get("images") == null ? null : sinkscope.data.Storage.path(in.run.get("images"));
        List<Sample> samples = new ArrayList<>();
        for (String id : chosen) {
            Question q = questions.get(id);
            BufferedImage image = null;
            String imageNote = "";
            if (q != null && q.image() != null && imageRoot != null) {
                try {
                    image = new ImageDecoder().decode(ImageDecoder.resolve(imageRoot, q.image()));
                } catch (RuntimeException e) {
                    imageNote = " (image not loadable: " + e.getMessage() + "; grid only)";
                }
            } else {
                imageNote = " (image path not known: grid only)";
            }
            Map<String, List<Panel>> panels = new HashMap<>();
            bySample.getOrDefault(id, Map.of()).forEach((c, byLayer) -> panels.put(c,
                    byLayer.values().stream().flatMap(byPanel -> byPanel.values().stream()).toList()));
            samples.add(new Sample(id, q, labels.get(id), answers.getOrDefault(id, Map.of()), image, imageNote, panels));
        }
        return new Data(null, layers, byConfig, configs, samples);
    }

    @Override
    void render(Data d, Page page) throws IOException {
        if (d.missing() != null) {
            page.absent(d.missing(), "run extract with <code>--attention-layers a,b</code> to record it");
            return;
        }
        if (d.samples().isEmpty()) {
            page.note("The attention table is empty: extract ran without <code>--attention-layers</code>.");
            return;
        }
        page.add("<p>Attention weights of the last prompt token (the position that generates the answer) over the image patches,"
                + " mean over heads, at layers ").add(Page.esc(d.layers().toString()))
                .add(". Cyan outlines: visual sink tokens (image tokens with &phi; &gt; &tau;); dashed green: the asked object's box"
                        + " when the question file gives one. Each panel (a patch grid of the image's tokens, in the order the model reads them)"
                        + " is drawn over the part of the picture it shows, as the model's image processing cut it: a centre crop,"
                        + " a tile, a thumbnail or the whole picture resized to the grid; separator tokens are left out."
                        + " Colour scale per panel: 0 to the panel's largest weight.</p>\n");
        if (!d.byConfig()) {
            page.note("VAR-side attention is not recorded: the attention table holds the extract pass only (the unmodified model,"
                    + " i.e. baseline) and there is no attention_by_config table (run evaluate with <code>--attention-layers</code>)."
                    + " The panels below show baseline attention; no VAR panel is drawn.");
        } else if (!d.configs().contains(sinkscope.intervention.Interventions.BASELINE)
                || d.configs().stream().noneMatch(c -> c.startsWith(sinkscope.intervention.Interventions.REFERENCE))) {
            page.note("The attention table has configs " + Page.esc(d.configs().toString()) + " only; baseline vs VAR needs both.");
        }
        for (Sample s : d.samples()) {
            sample(s, d, page);
        }
    }

    private static void sample(Sample s, Data d, Page page) throws IOException {
        Question q = s.question();
        BufferedImage image = s.image();
        page.add("<div class=\"sample\"><h3>Sample ").add(Page.esc(s.id())).add("</h3><p>");
        if (q != null) {
            page.add("&ldquo;").add(Page.esc(q.text())).add("&rdquo; &middot; image <code>").add(Page.esc(q.image())).add("</code>");
        }
        page.add(s.label() == null ? "" : " &middot; label <b>" + Page.esc(s.label()) + "</b>");
        for (Map.Entry<String, String> e : s.answers().entrySet()) {
            page.add(" &middot; ").add(Page.esc(e.getKey())).add(": <q>").add(Page.esc(e.getValue())).add("</q>");
        }
        page.add(Page.esc(s.imageNote())).add("</p>\n");
        for (String config : d.configs()) {
            List<Panel> panels = s.panels().get(config);
            if (panels == null) {
                continue;
            }
            page.add("<div class=\"row\"><div class=\"rowlabel\">").add(Page.esc(config.equals("extract") ? "baseline (extract pass)" : config))
                    .add("</div>");
            for (Panel p : panels) {
                double[] box = q == null || q.box() == null || image == null ? null
                        : patchBox(q.box(), image.getWidth(), image.getHeight(), p.rows(), p.cols(), p.picture());
                String title = "layer " + p.layer() + (p.panel() == 0 ? "" : " \u00b7 panel " + p.panel()) + " \u00b7 " + p.sinks().size() + " sink patches";
                JFreeChart chart = Charts.attention(title, p.rows(), p.cols(), p.weights(), p.sinks(), image == null ? null : region(image, p.picture()), box);
                int width = (int) Math.round(Math.min(520, Math.max(220, 270.0 * p.cols() / p.rows()))) + 60;
                page.img(chart, "attention_" + Page.safe(s.id()) + "_" + Page.safe(config) + "_L" + p.layer() + (p.panel() == 0 ? "" : "_P" + p.panel()),
                        width, 300, "attention of sample " + s.id() + " layer " + p.layer() + (p.panel() == 0 ? "" : " panel " + p.panel()));
            }
            page.add("</div>\n");
        }
        page.add("</div>\n");
    }

    /** config -> answer of each chosen sample, from predictions, configs in page order. */
    private static Map<String, Map<String, String>> answers(Input in, List<String> ids) {
        Map<String, Map<String, String>> m = new HashMap<>();
        Dataset<Row> p = in.table("predictions");
        if (p == null || !Input.missing(p, "question_id", "config", "answer").isEmpty()) {
            return m;
        }
        List<Row> rows = p.where(col("question_id").isin(ids.toArray())).select("question_id", "config", "answer").collectAsList();
        for (Row r : rows.stream().sorted(Comparator.comparing((Row r) -> r.getString(1), Order.CONFIGS)).toList()) {
            m.computeIfAbsent(r.getString(0), k -> new LinkedHashMap<>()).put(r.getString(1), r.getString(2).strip());
        }
        return m;
    }

    /**
     * Up to {@link #SAMPLES} ids, one per image: first those labelled yes with a known object box (the object should
     * draw the attention), then the rest, each group by id.
     */
    static List<String> chooseSamples(List<String> ids, Map<String, Question> questions, Map<String, String> labels) {
        List<String> sorted = new ArrayList<>(ids);
        sorted.sort(Comparator.comparing((String id) -> {
            Question q = questions.get(id);
            boolean grounded = "yes".equals(labels.get(id)) && q != null && q.box() != null;
            return grounded ? 0 : 1;
        }).thenComparing(Order::id));
        List<String> chosen = new ArrayList<>();
        Set<String> images = new LinkedHashSet<>();
        for (String id : sorted) {
            Question q = questions.get(id);
            if (chosen.size() < SAMPLES && (q == null || q.image() == null || images.add(q.image()))) {
                chosen.add(id);
            }
        }
        return chosen;
    }

    /** At most {@code n} of the sorted values, evenly spread, first and last included. */
    static List<Integer> spread(List<Integer> values, int n) {
        if (values.size() <= n) {
            return values;
        }
        Set<Integer> out = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            out.add(values.get((int) Math.round(i * (values.size() - 1) / (double) (n - 1))));
        }
        return List.copyOf(out);
    }

    /**
     * The part {@code picture} ({@code x0, y0, x1, y1}, fractions of the width and height) of {@code img}, black where it
     * reaches beyond the picture (a padded square).
     */
    static BufferedImage region(BufferedImage img, double[] picture) {
        int w = img.getWidth();
        int h = img.getHeight();
        int x0 = (int) Math.round(picture[0] * w);
        int y0 = (int) Math.round(picture[1] * h);
        int x1 = (int) Math.round(picture[2] * w);
        int y1 = (int) Math.round(picture[3] * h);
        if (x0 == 0 && y0 == 0 && x1 == w && y1 == h) {
            return img;
        }
        BufferedImage out = new BufferedImage(Math.max(1, x1 - x0), Math.max(1, y1 - y0), BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = out.createGraphics();
        g.drawImage(img, -x0, -y0, null);
        g.dispose();
        return out;
    }

    /**
     * A box x0, y0, x1, y1 in the picture's pixels, in patch units of a {@code rows x cols} panel showing {@code picture}
     * ({@code x0, y0, x1, y1}, fractions of the picture's width and height) of the picture.
     */
    static double[] patchBox(double[] box, int width, int height, int rows, int cols, double[] picture) {
        double sx = cols / ((picture[2] - picture[0]) * width);
        double sy = rows / ((picture[3] - picture[1]) * height);
        double ox = picture[0] * width;
        double oy = picture[1] * height;
        return new double[] {(box[0] - ox) * sx, (box[1] - oy) * sy, (box[2] - ox) * sx, (box[3] - oy) * sy};
    }

    private static double[] doubles(List<?> xs) {
        double[] d = new double[xs.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = ((Number) xs.get(i)).doubleValue();
        }
        return d;
    }

    private static float[] floats(List<?> xs) {
        float[] f = new float[xs.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((Number) xs.get(i)).floatValue();
        }
        return f;
    }
}
