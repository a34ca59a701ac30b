package sinkscope.report;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.jfree.chart.JFreeChart;
import sinkscope.data.ImageDecoder;
import sinkscope.data.Question;
import sinkscope.data.QuestionReader;
import sinkscope.data.Storage;
import sinkscope.model.ModelConfig;
import sinkscope.spark.OutputRoot;

/**
 * The HTML report over a pipeline's output root: {@code index.html} plus PNG charts in {@code charts/}, all
 * relative, so the folder opens offline. Sections: run (parameters, model, dataset, row counts), attention of
 * the last prompt token over the image (the paper's Figure 1 view; baseline vs VAR when the attention table has
 * a {@code config} column, else the extract pass only, said so), sink dimensions and sink tokens per layer,
 * layer x head heatmaps from {@code head_profile}, the metrics table with differences to {@code baseline}, image
 * attention per layer from {@code grounding}, and the errors grouped by job and stage. Tables are read by column
 * name: extra columns are ignored (numeric extras of {@code grounding} get their own chart); a missing table or
 * column is stated in its section instead of failing the report.
 */
public final class Report {
    /** Sections in page order: anchor id and heading. */
    public static final Map<String, String> SECTIONS = sections();

    static final int ATTENTION_SAMPLES = 4;
    static final int ATTENTION_LAYERS = 4;
    /** What the attention tables' further panels are (panel 0 is the image grid). */
    private static final Map<Integer, String> PANEL_NAMES = Map.of(1, "tile mosaic");
    static final int TOP_DIMS = 6;

    private final SparkSession spark;
    private final OutputRoot root;
    private final Path out;
    private final Path charts;
    private final RunInfo run;
    private final StringBuilder html = new StringBuilder();
    private final List<Path> written = new ArrayList<>();

    private Report(SparkSession spark, String in, Path out, RunInfo run) {
        this.spark = spark;
        this.root = new OutputRoot(spark, in, false);
        this.out = out;
        this.charts = out.resolve("charts");
        this.run = run;
    }

    /** What {@link #write} produced. */
    public record Result(Path index, List<Path> charts) {}

    /**
     * Writes {@code out/index.html} and {@code out/charts/*.png} for the output root {@code in}. {@code run}:
     * the run's parameters, saved as {@code out/run.properties}; when it is empty, the {@code run.properties} an
     * earlier {@code pipeline} run saved in {@code out} or in {@code in/report} is used if present.
     */
    public static Result write(SparkSession spark, String in, Path out, RunInfo run) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(out.resolve("charts"));
        try (Stream<Path> old = Files.list(out.resolve("charts"))) {
            for (Path p : old.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.delete(p);
            }
        }
        RunInfo info = run;
        if (info.parameters().isEmpty()) {
            info = RunInfo.load(out);
        }
        if (info.parameters().isEmpty()) {
            info = RunInfo.load(Storage.path(in).resolve("report"));
        }
        if (!run.parameters().isEmpty()) {
            run.save(out);
        }
        Report r = new Report(spark, in, out, info);
        r.build();
        Path index = out.resolve("index.html");
        Files.writeString(index, r.html, StandardCharsets.UTF_8);
        return new Result(index, List.copyOf(r.written));
    }

    private static Map<String, String> sections() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("run", "Run");
        s.put("attention", "Attention of the last prompt token over the image");
        s.put("sink-dimensions", "Sink dimensions and visual sink tokens");
        s.put("heads", "Heads: image attention and image-centric share");
        s.put("metrics", "Metrics: baseline, VAR and ablations");
        s.put("benchmarks", "Benchmarks: each benchmark's own metrics");
        s.put("significance", "Against baseline: difference and noise");
        s.put("sweep", "VAR parameter sensitivity");
        s.put("grounding", "Grounding: image attention per layer");
        s.put("errors", "Errors");
        return s;
    }

    private void build() throws IOException {
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>SinkScope report</title>\n<style>\n")
                .append(CSS).append("</style></head><body>\n");
        html.append("<h1>SinkScope report</h1>\n<p class=\"sub\">Output root <code>").append(esc(root.root()))
                .append("</code> &middot; generated ")
                .append(esc(ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"))))
                .append("</p>\n<nav>");
        for (Map.Entry<String, String> e : SECTIONS.entrySet()) {
            html.append("<a href=\"#").append(e.getKey()).append("\">").append(esc(e.getValue())).append("</a>");
        }
        html.append("</nav>\n");
        runSection();
        attentionSection();
        sinkSection();
        headSection();
        metricsSection();
        benchmarkSection();
        significanceSection();
        sweepSection();
        groundingSection();
        errorSection();
        html.append("</body></html>\n");
    }

    // ---- sections --------------------------------------------------------------------------------------

    private void runSection() {
        open("run");
        html.append("<div class=\"cols\"><div>\n<h3>Parameters</h3>\n");
        if (run.parameters().isEmpty()) {
            note("Run parameters not recorded: <code>pipeline</code> saves them in <code>" + esc(out.resolve(RunInfo.FILE).toString())
                    + "</code>; this output root was reported without them.");
        } else {
            html.append("<table class=\"kv\">");
            for (Map.Entry<String, String> e : run.parameters().entrySet()) {
                html.append("<tr><th>").append(esc(e.getKey())).append("</th><td>").append(esc(e.getValue())).append("</td></tr>");
            }
            html.append("</table>\n");
        }
        html.append("</div><div>\n<h3>Model</h3>\n");
        model();
        html.append("<h3>Dataset</h3>\n");
        dataset();
        html.append("<h3>Rows per table</h3>\n<table><tr><th>table</th><th>rows</th></tr>");
        for (String t : Export.KNOWN.keySet()) {
            Dataset<Row> d = table(t);
            html.append("<tr><td>").append(t).append("</td><td class=\"num\">").append(d == null ? "<i>missing</i>" : String.valueOf(d.count()))
                    .append("</td></tr>");
        }
        html.append("</table>\n</div></div>\n");
        close();
    }

    private void model() {
        String dir = run.get("model");
        Path config = dir == null ? null : Storage.path(dir).resolve("config.json");
        if (config == null || !Files.isRegularFile(config)) {
            note(dir == null ? "Model not recorded." : "Model <code>" + esc(dir) + "</code> (no config.json readable here).");
            return;
        }
        ModelConfig c = sinkscope.model.auto.Families.config(config);
        html.append("<table class=\"kv\">");
        kv("directory", dir);
        kv("model type", c.modelType());
        kv("LLM", c.text().numHiddenLayers() + " layers, " + c.text().numAttentionHeads() + " heads (" + c.text().numKeyValueHeads()
                + " kv), hidden size " + c.text().hiddenSize());
        for (String line : c.visionSummary()) {
            int colon = line.indexOf(": ");
            kv(line.substring(0, colon), line.substring(colon + 2));
        }
        kv("parameters", String.format(Locale.ROOT, "%,d", c.parameterCount()));
        html.append("</table>\n");
    }

    private void dataset() {
        html.append("<table class=\"kv\">");
        if (run.get("questions") != null) {
            kv("questions", run.get("questions"));
        }
        if (run.get("table") != null) {
            kv("input table", run.get("table"));
        }
        if (run.get("images") != null) {
            kv("images", run.get("images"));
        }
        Dataset<Row> samples = table("samples");
        if (samples != null && has(samples, "category")) {
            Map<String, Long> byCategory = new TreeMap<>();
            for (Row r : samples.groupBy("category").count().collectAsList()) {
                byCategory.put(r.isNullAt(0) ? "(none)" : r.getString(0), r.getLong(1));
            }
            StringBuilder s = new StringBuilder();
            byCategory.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
            kv("processed samples by category", s.toString());
        }
        if (samples != null && has(samples, "label")) {
            Map<String, Long> byLabel = new TreeMap<>();
            for (Row r : samples.groupBy("label").count().collectAsList()) {
                byLabel.put(r.isNullAt(0) ? "(none)" : r.getString(0), r.getLong(1));
            }
            StringBuilder s = new StringBuilder();
            byLabel.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
            kv("labels", s.toString());
        }
        Dataset<Row> errors = table("errors");
        if (samples != null) {
            long n = samples.count();
            long e = errors == null || !has(errors, "job") ? 0 : errors.where(col("job").isin("read", "extract")).count();
            kv("inputs", (n + e) + " = " + n + " processed + " + e + " errors (read, extract)");
        }
        html.append("</table>\n");
    }

    private void attentionSection() throws IOException {
        open("attention");
        Dataset<Row> att = table("attention");
        List<String> missing = missing(att, "question_id", "layer", "panel", "grid_rows", "grid_cols", "weights", "sink_patches");
        if (att == null || !missing.isEmpty()) {
            absent("attention", missing, "run extract with <code>--attention-layers a,b</code> to record it");
            close();
            return;
        }
        Dataset<Row> perConfig = table("attention_by_config");
        if (!has(att, "config") && perConfig != null && missing(perConfig, "question_id", "config", "layer", "panel", "grid_rows", "grid_cols", "weights").isEmpty()) {
            // evaluate recorded every config's attention; the sink patches come from the extract pass
            att = perConfig.select("question_id", "config", "layer", "panel", "grid_rows", "grid_cols", "weights")
                    .join(att.select("question_id", "layer", "panel", "sink_patches"), new String[] {"question_id", "layer", "panel"});
        }
        boolean byConfig = has(att, "config");
        List<Row> ids = att.select("question_id").distinct().collectAsList();
        if (ids.isEmpty()) {
            note("The attention table is empty: extract ran without <code>--attention-layers</code>.");
            close();
            return;
        }
        Map<String, Question> questions = questions();
        Map<String, String> labels = column("samples", "label");
        List<String> chosen = chooseSamples(ids.stream().map(r -> r.getString(0)).toList(), questions, labels);
        List<Integer> layers = spread(att.select("layer").distinct().collectAsList().stream().map(r -> r.getInt(0)).sorted().toList(),
                ATTENTION_LAYERS);
        Dataset<Row> rows = att.where(col("question_id").isin(chosen.toArray()).and(col("layer").isin(layers.toArray())));
        List<String> cols = new ArrayList<>(List.of("question_id", "layer", "panel", "grid_rows", "grid_cols", "weights", "sink_patches"));
        if (byConfig) {
            cols.add("config");
        }
        // sample -> config -> layer -> panel -> row
        Map<String, Map<String, Map<Integer, Map<Integer, Row>>>> bySample = new HashMap<>();
        Set<String> configs = new TreeSet<>(Comparator.comparing(Report::configOrder).thenComparing(Comparator.naturalOrder()));
        for (Row r : rows.select(cols.stream().map(Column::new).toArray(Column[]::new)).collectAsList()) {
            String config = byConfig ? r.getAs("config") : "extract";
            configs.add(config);
            bySample.computeIfAbsent(r.getAs("question_id"), k -> new HashMap<>()).computeIfAbsent(config, k -> new HashMap<>())
                    .computeIfAbsent(r.getAs("layer"), k -> new TreeMap<>()).put(r.getAs("panel"), r);
        }
        boolean cropped = cropsImages();
        html.append("<p>Attention weights of the last prompt token (the position that generates the answer) over the image patches,"
                + " mean over heads, at layers ").append(esc(layers.toString()))
                .append(". Cyan outlines: visual sink tokens (image tokens with &phi; &gt; &tau;); dashed green: the asked object's box"
                        + " when the question file gives one. The image is shown as the model saw it (" + (cropped ? "shortest side resized, centre crop"
                        : "whole image, resized to the patch grid") + ")."
                        + " Colour scale per panel: 0 to the panel's largest weight."
                        + " Where the image has a second patch grid (LLaVA-NeXT: panel 1, the tile mosaic unpadded to the image's aspect ratio,"
                        + " newline tokens left out) it is drawn right of the base image's grid, over the whole image.</p>\n");
        if (!byConfig) {
            note("VAR-side attention is not recorded: the attention table holds the extract pass only (the unmodified model,"
                    + " i.e. baseline) and there is no attention_by_config table (run evaluate with <code>--attention-layers</code>)."
                    + " The panels below show baseline attention; no VAR panel is drawn.");
        } else if (!configs.contains("baseline") || configs.stream().noneMatch(c -> c.startsWith("var"))) {
            note("The attention table has configs " + esc(configs.toString()) + " only; baseline vs VAR needs both.");
        }
        Map<String, Map<String, String>> answers = answers(chosen);
        Path imageRoot = run.get("images") == null ? null : Storage.path(run.get("images"));
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
            html.append("<div class=\"sample\"><h3>Sample ").append(esc(id)).append("</h3><p>");
            if (q != null) {
                html.append("&ldquo;").append(esc(q.text())).append("&rdquo; &middot; image <code>").append(esc(q.image())).append("</code>");
            }
            String label = labels.get(id);
            html.append(label == null ? "" : " &middot; label <b>" + esc(label) + "</b>");
            Map<String, String> a = answers.getOrDefault(id, Map.of());
            for (Map.Entry<String, String> e : a.entrySet()) {
                html.append(" &middot; ").append(esc(e.getKey())).append(": <q>").append(esc(e.getValue())).append("</q>");
            }
            html.append(esc(imageNote)).append("</p>\n");
            BufferedImage shown = image == null ? null : cropped ? centreSquare(image) : image;
            for (String config : configs) {
                Map<Integer, Map<Integer, Row>> perLayer = bySample.getOrDefault(id, Map.of()).get(config);
                if (perLayer == null) {
                    continue;
                }
                html.append("<div class=\"row\"><div class=\"rowlabel\">").append(esc(config.equals("extract") ? "baseline (extract pass)" : config))
                        .append("</div>");
                for (int layer : layers) {
                    for (Row r : perLayer.getOrDefault(layer, Map.of()).values()) {
                        int panel = r.getAs("panel");
                        int gridRows = r.getAs("grid_rows");
                        int gridCols = r.getAs("grid_cols");
                        float[] w = floats(r.getList(r.fieldIndex("weights")));
                        List<Integer> sinks = r.getList(r.fieldIndex("sink_patches"));
                        // panel 0 as the model saw the image; a further panel (LLaVA-NeXT's mosaic) covers the whole image
                        boolean crop = panel == 0 && cropped;
                        double[] box = q == null || q.box() == null || image == null ? null
                                : patchBox(q.box(), image.getWidth(), image.getHeight(), gridRows, gridCols, crop);
                        String title = "layer " + layer + (panel == 0 ? "" : " \u00b7 " + PANEL_NAMES.getOrDefault(panel, "panel " + panel)) + " \u00b7 "
                                + sinks.size() + " sink patches";
                        JFreeChart chart = Charts.attention(title, gridRows, gridCols, w, sinks, crop ? shown : image, box);
                        int width = (int) Math.round(Math.min(520, Math.max(220, 270.0 * gridCols / gridRows))) + 60;
                        img(chart, "attention_" + safe(id) + "_" + safe(config) + "_L" + layer + (panel == 0 ? "" : "_P" + panel), width, 300,
                                "attention of sample " + id + " layer " + layer + (panel == 0 ? "" : " panel " + panel));
                    }
                }
                html.append("</div>\n");
            }
            html.append("</div>\n");
        }
        close();
    }

    private void sinkSection() throws IOException {
        open("sink-dimensions");
        Dataset<Row> dims = table("sink_dimensions");
        List<String> missing = missing(dims, "layer", "dim", "frequency", "max_ratio", "count", "rank", "recommended");
        if (dims == null || !missing.isEmpty()) {
            absent("sink_dimensions", missing, "run sinkstats");
        } else {
            List<Row> rows = dims.select(col("layer"), col("dim"), col("frequency").cast("double"), col("max_ratio").cast("double"),
                    col("count").cast("long"), col("rank"), col("recommended")).collectAsList();
            Map<Integer, Long> total = new HashMap<>();
            Set<Integer> recommended = new TreeSet<>();
            TreeSet<Integer> layers = new TreeSet<>();
            for (Row r : rows) {
                total.merge(r.getInt(1), r.getLong(4), Long::sum);
                if (r.getBoolean(6)) {
                    recommended.add(r.getInt(1));
                }
                layers.add(r.getInt(0));
            }
            List<Integer> top = new ArrayList<>(recommended);
            total.entrySet().stream().sorted(Map.Entry.<Integer, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .map(Map.Entry::getKey).filter(d -> !recommended.contains(d)).forEach(top::add);
            top = top.subList(0, Math.min(TOP_DIMS, top.size()));
            html.append("<p>Recommended D<sub>sink</sub>: <b>").append(recommended.isEmpty() ? "none" : esc(recommended.toString()))
                    .append("</b>. A dimension d is massive on an image token when |x<sub>d</sub>| / RMS(x) exceeds the extract floor;"
                            + " frequency = such tokens / all image tokens. Charts: the ").append(top.size() == 1 ? "dimension" : top.size() + " dimensions")
                    .append(" with the most massive tokens over all layers (recommended first).</p>\n");
            if (rows.isEmpty()) {
                note("sink_dimensions is empty: no dimension exceeded the floor.");
            } else {
                Map<String, double[][]> freq = new LinkedHashMap<>();
                Map<String, double[][]> ratio = new LinkedHashMap<>();
                double maxRatio = 0;
                double minRatio = Double.MAX_VALUE;
                for (int d : top) {
                    Map<Integer, Row> byLayer = new HashMap<>();
                    rows.stream().filter(r -> r.getInt(1) == d).forEach(r -> byLayer.put(r.getInt(0), r));
                    List<double[]> f = new ArrayList<>();
                    List<double[]> m = new ArrayList<>();
                    for (int l = layers.first(); l <= layers.last(); l++) {
                        Row r = byLayer.get(l);
                        f.add(new double[] {l, r == null ? 0 : 100 * r.getDouble(2)});
                        if (r != null) {
                            m.add(new double[] {l, r.getDouble(3)});
                            maxRatio = Math.max(maxRatio, r.getDouble(3));
                            minRatio = Math.min(minRatio, r.getDouble(3));
                        }
                    }
                    String name = "dim " + d + (recommended.contains(d) ? " (D_sink)" : "");
                    freq.put(name, f.toArray(double[][]::new));
                    ratio.put(name, m.toArray(double[][]::new));
                }
                html.append("<div class=\"row\">");
                img(Charts.lines("How often each dimension is massive", "decoder layer", "image tokens with |x_d|/RMS(x) > floor (%)", freq, false),
                        "sink_dims_frequency", 620, 400, "sink dimension frequency per layer");
                img(Charts.lines("How strongly: largest |x_d| / RMS(x)", "decoder layer", "max |x_d| / RMS(x)" + (maxRatio > 50 * minRatio ? " (log scale)" : ""),
                        ratio, maxRatio > 50 * minRatio), "sink_dims_max_ratio", 620, 400, "sink dimension max ratio per layer");
                html.append("</div>\n<details><summary>Top 3 dimensions per layer</summary><table><tr><th>layer</th><th>rank 1</th><th>rank 2</th><th>rank 3</th></tr>");
                for (int l : layers) {
                    html.append("<tr><td class=\"num\">").append(l).append("</td>");
                    List<Row> ranked = rows.stream().filter(r -> r.getInt(0) == l).sorted(Comparator.comparingInt(r -> r.getInt(5))).limit(3).toList();
                    for (int k = 0; k < 3; k++) {
                        html.append("<td>");
                        if (k < ranked.size()) {
                            Row r = ranked.get(k);
                            html.append(recommended.contains(r.getInt(1)) ? "<b>" : "").append("dim ").append(r.getInt(1))
                                    .append(recommended.contains(r.getInt(1)) ? "</b>" : "")
                                    .append(String.format(Locale.ROOT, " &middot; %.1f%% &middot; max %.1f", 100 * r.getDouble(2), r.getDouble(3)));
                        }
                        html.append("</td>");
                    }
                    html.append("</tr>");
                }
                html.append("</table></details>\n");
            }
        }
        Dataset<Row> tokens = table("sink_tokens");
        missing = missing(tokens, "layer", "visual_sinks_per_image", "sink_share");
        if (tokens == null || !missing.isEmpty()) {
            absent("sink_tokens", missing, "run sinkstats");
        } else {
            List<Row> rows = tokens.select(col("layer"), col("visual_sinks_per_image").cast("double"), col("sink_share").cast("double"))
                    .orderBy("layer").collectAsList();
            Map<String, double[][]> perImage = new LinkedHashMap<>();
            perImage.put("visual sink tokens per image", rows.stream().map(r -> new double[] {r.getInt(0), r.getDouble(1)}).toArray(double[][]::new));
            Map<String, double[][]> share = new LinkedHashMap<>();
            share.put("share of image tokens", rows.stream().map(r -> new double[] {r.getInt(0), 100 * r.getDouble(2)}).toArray(double[][]::new));
            html.append("<p>Visual sink tokens: image tokens whose sink score &phi; = max<sub>d&isin;D_sink</sub> |x<sub>d</sub>| / RMS(x) exceeds &tau;")
                    .append(run.get("tau") == null ? "" : " = " + esc(run.get("tau"))).append(".</p>\n<div class=\"row\">");
            img(Charts.lines("Visual sink tokens per image", "decoder layer", "sink tokens per image (mean)", perImage, false),
                    "sink_tokens_per_image", 620, 360, "visual sink tokens per image per layer");
            img(Charts.lines("Visual sinks as a share of image tokens", "decoder layer", "share of image tokens (%)", share, false),
                    "sink_tokens_share", 620, 360, "visual sink share per layer");
            html.append("</div>\n");
        }
        close();
    }

    private void headSection() throws IOException {
        open("heads");
        Dataset<Row> heads = table("head_profile");
        List<String> missing = missing(heads, "layer", "head", "query", "mean_image_attention", "image_centric_fraction");
        if (heads == null || !missing.isEmpty()) {
            absent("head_profile", missing, "run sinkstats");
            close();
            return;
        }
        List<Row> rows = heads.select(col("layer"), col("head"), col("query"), col("mean_image_attention").cast("double"),
                col("image_centric_fraction").cast("double")).collectAsList();
        if (rows.isEmpty()) {
            note("head_profile is empty.");
            close();
            return;
        }
        int layers = rows.stream().mapToInt(r -> r.getInt(0)).max().orElse(0) + 1;
        int nHeads = rows.stream().mapToInt(r -> r.getInt(1)).max().orElse(0) + 1;
        html.append("<p>Per (layer, head), averaged over samples: the attention mass on image tokens, and the fraction of samples in which"
                + " the head is image-centric (image attention &ge; summ")
                .append(run.get("summ") == null ? "" : " = " + esc(run.get("summ"))).append(" and visual-sink share &le; &rho;")
                .append(run.get("rho") == null ? "" : " = " + esc(run.get("rho")))
                .append("; the heads VAR redistributes in). Query <i>last</i>: the last prompt token; <i>text_mean</i>: mean over the text"
                        + " tokens after the image.</p>\n");
        Set<String> queries = new TreeSet<>(Comparator.comparing((String q) -> q.equals("last") ? 0 : 1).thenComparing(Comparator.naturalOrder()));
        rows.forEach(r -> queries.add(r.getString(2)));
        for (String q : queries) {
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
            html.append("<div class=\"row\">");
            int h = Math.max(360, Math.min(900, 120 + 14 * layers));
            int w = Math.max(520, Math.min(900, 220 + 16 * nHeads));
            img(Charts.heatmap("Image attention, query " + q, "head", "decoder layer", "attention mass on image tokens", image, 0, max > 0 ? max : 1),
                    "heads_image_attention_" + safe(q), w, h, "image attention per layer and head, query " + q);
            img(Charts.heatmap("Image-centric share, query " + q, "head", "decoder layer", "fraction of samples image-centric", centric, 0, 1),
                    "heads_image_centric_" + safe(q), w, h, "image-centric fraction per layer and head, query " + q);
            html.append("</div>\n");
        }
        close();
    }

    private void metricsSection() throws IOException {
        open("metrics");
        Dataset<Row> metrics = table("metrics");
        if (metrics != null && has(metrics, "benchmark")) {
            metrics = metrics.where(col("benchmark").equalTo("pope"));
        }
        String[] names = {"accuracy", "precision", "recall", "f1", "yes_ratio"};
        List<String> missing = missing(metrics, "config", "category", "n", "accuracy", "precision", "recall", "f1", "yes_ratio");
        if (metrics == null || !missing.isEmpty()) {
            absent("metrics", missing, "run evaluate");
            close();
            return;
        }
        List<Row> rows = metrics.select(col("config"), col("category"), col("n").cast("long"), col("accuracy").cast("double"),
                col("precision").cast("double"), col("recall").cast("double"), col("f1").cast("double"), col("yes_ratio").cast("double"))
                .collectAsList();
        Map<String, Map<String, Row>> byCategory = new TreeMap<>(Comparator.comparing((String c) -> c.equals("all") ? 0 : 1)
                .thenComparing(Comparator.naturalOrder()));
        Set<String> configs = new TreeSet<>(Comparator.comparing(Report::configOrder).thenComparing(Comparator.naturalOrder()));
        for (Row r : rows) {
            byCategory.computeIfAbsent(r.getString(1), k -> new HashMap<>()).put(r.getString(0), r);
            configs.add(r.getString(0));
        }
        Map<String, Double> other = otherShare();
        html.append("<p>POPE metrics (positive = yes) per configuration and split; <i>all</i> pools every labelled sample. Differences to"
                + " <b>baseline</b> in the same split are shown beside each value, in percentage points: green = better, red = worse"
                + " (for yes-ratio, grey: closer to the label balance is better, not higher).")
                .append(other.isEmpty() ? "" : " <i>other</i>: answers parsed as neither yes nor no.").append("</p>\n");
        if (!configs.contains("baseline")) {
            note("No baseline config in the metrics table: no differences shown.");
        }
        html.append("<table class=\"metrics\"><tr><th>split</th><th>config</th><th>n</th>");
        for (String m : names) {
            html.append("<th>").append(m.replace('_', '-')).append("</th>");
        }
        html.append(other.isEmpty() ? "" : "<th>other</th>").append("</tr>\n");
        for (Map.Entry<String, Map<String, Row>> cat : byCategory.entrySet()) {
            Row base = cat.getValue().get("baseline");
            boolean first = true;
            for (String config : configs) {
                Row r = cat.getValue().get(config);
                if (r == null) {
                    continue;
                }
                html.append("<tr").append(first ? " class=\"first\"" : "").append("><td>").append(first ? esc(cat.getKey()) : "")
                        .append("</td><td>").append(esc(config)).append("</td><td class=\"num\">").append(r.getLong(2)).append("</td>");
                for (int k = 0; k < names.length; k++) {
                    double v = r.getDouble(3 + k);
                    html.append("<td class=\"num\">").append(String.format(Locale.ROOT, "%.3f", v));
                    if (base != null && r != base) {
                        double d = 100 * (v - base.getDouble(3 + k));
                        String cls = Math.abs(d) < 0.05 ? "same" : names[k].equals("yes_ratio") ? "neutral" : d > 0 ? "better" : "worse";
                        html.append(" <span class=\"").append(cls).append("\">")
                                .append(Math.abs(d) < 0.05 ? "&plusmn;0" : String.format(Locale.ROOT, "%+.1f", d)).append("</span>");
                    }
                    html.append("</td>");
                }
                if (!other.isEmpty()) {
                    Double o = other.get(config + "\u0000" + cat.getKey());
                    html.append("<td class=\"num\">").append(o == null ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * o)).append("</td>");
                }
                html.append("</tr>\n");
                first = false;
            }
        }
        html.append("</table>\n");
        Map<String, Map<String, Double>> acc = new LinkedHashMap<>();
        Map<String, Map<String, Double>> f1 = new LinkedHashMap<>();
        for (String config : configs) {
            Map<String, Double> a = new LinkedHashMap<>();
            Map<String, Double> f = new LinkedHashMap<>();
            for (Map.Entry<String, Map<String, Row>> cat : byCategory.entrySet()) {
                Row r = cat.getValue().get(config);
                if (r != null) {
                    a.put(cat.getKey(), r.getDouble(3));
                    f.put(cat.getKey(), r.getDouble(6));
                }
            }
            acc.put(config, a);
            f1.put(config, f);
        }
        html.append("<div class=\"row\">");
        img(Charts.bars("Accuracy per split", "split (category)", "accuracy (fraction correct)", acc, 1.0), "metrics_accuracy", 620, 380,
                "accuracy per split and config");
        img(Charts.bars("F1 per split (positive = yes)", "split (category)", "F1", f1, 1.0), "metrics_f1", 620, 380, "F1 per split and config");
        html.append("</div>\n");
        close();
    }

    /** Preferred headline metric of a benchmark, among those it has at category all. */
    static final List<String> HEADLINE = List.of("circular_accuracy", "pair_accuracy", "group_accuracy", "vqa_accuracy", "chair_s", "perception",
            "overall", "accuracy");

    private static String headline(Collection<String> metrics) {
        for (String h : HEADLINE) {
            if (metrics.contains(h)) {
                return h;
            }
        }
        return metrics.isEmpty() ? null : metrics.iterator().next();
    }

    /** benchmark -> config -> category -> metric -> row of benchmark_metrics; null when the table is absent. */
    private Map<String, Map<String, Map<String, Map<String, Row>>>> benchmarkMetrics() {
        Dataset<Row> d = table("benchmark_metrics");
        if (d == null || !missing(d, "benchmark", "config", "category", "metric", "value", "n").isEmpty()) {
            return null;
        }
        Map<String, Map<String, Map<String, Map<String, Row>>>> m = new TreeMap<>();
        for (Row r : d.select("benchmark", "config", "category", "metric", "value", "n").collectAsList()) {
            m.computeIfAbsent(r.getString(0), k -> new TreeMap<>(Comparator.comparing(Report::configOrder).thenComparing(Comparator.naturalOrder())))
                    .computeIfAbsent(r.getString(1), k -> new TreeMap<>(Comparator.comparing((String c) -> c.equals("all") ? 0 : 1)
                            .thenComparing(Comparator.naturalOrder())))
                    .computeIfAbsent(r.getString(2), k -> new LinkedHashMap<>()).put(r.getString(3), r);
        }
        return m;
    }

    private void benchmarkSection() throws IOException {
        open("benchmarks");
        var all = benchmarkMetrics();
        if (all == null) {
            absent("benchmark_metrics", missing(table("benchmark_metrics"), "benchmark", "config", "category", "metric", "value", "n"), "run evaluate");
            close();
            return;
        }
        html.append("<p>Each benchmark scored by its official definition (<code>benchmark_metrics</code>): fractions except MME's scores"
                + " (points) and mean caption length (words); CHAIR is lower-is-better. The difference to <b>baseline</b> follows each value"
                + " in percentage points (points for MME).</p>\n");
        for (var b : all.entrySet()) {
            html.append("<h3 id=\"benchmark-").append(esc(safe(b.getKey()))).append("\">").append(esc(b.getKey())).append("</h3>\n");
            Set<String> categories = new TreeSet<>(Comparator.comparing((String c) -> c.equals("all") ? 0 : 1).thenComparing(Comparator.naturalOrder()));
            Set<String> metricNames = new java.util.LinkedHashSet<>();
            for (var c : b.getValue().values()) {
                categories.addAll(c.keySet());
                c.values().forEach(m -> metricNames.addAll(m.keySet()));
            }
            Map<String, Map<String, Row>> base = b.getValue().get("baseline");
            html.append("<table class=\"metrics\"><tr><th>category</th><th>config</th><th>n</th>");
            List<String> names = new ArrayList<>(metricNames);
            for (String m : names) {
                html.append("<th>").append(esc(m)).append("</th>");
            }
            html.append("</tr>\n");
            for (String cat : categories) {
                boolean first = true;
                for (var c : b.getValue().entrySet()) {
                    Map<String, Row> row = c.getValue().get(cat);
                    if (row == null) {
                        continue;
                    }
                    long n = row.values().iterator().next().getLong(5);
                    html.append("<tr").append(first ? " class=\"first\"" : "").append("><td>").append(first ? esc(cat) : "").append("</td><td>")
                            .append(esc(c.getKey())).append("</td><td class=\"num\">").append(n).append("</td>");
                    for (String m : names) {
                        Row r = row.get(m);
                        html.append("<td class=\"num\">");
                        if (r != null && !r.isNullAt(4)) {
                            double v = r.getDouble(4);
                            html.append(String.format(Locale.ROOT, "%.3f", v));
                            Row br = base == null || base.get(cat) == null ? null : base.get(cat).get(m);
                            if (br != null && br != r && !br.isNullAt(4)) {
                                boolean points = m.equals("score") || m.equals("perception") || m.equals("cognition") || m.equals("mean_length");
                                double d = (points ? 1 : 100) * (v - br.getDouble(4));
                                boolean lowerBetter = m.startsWith("chair");
                                String cls = Math.abs(d) < 0.05 ? "same" : m.equals("yes_ratio") || m.equals("mean_length") ? "neutral"
                                        : (d > 0) != lowerBetter ? "better" : "worse";
                                html.append(" <span class=\"").append(cls).append("\">")
                                        .append(Math.abs(d) < 0.05 ? "&plusmn;0" : String.format(Locale.ROOT, "%+.1f", d)).append("</span>");
                            }
                        } else {
                            html.append(r == null ? "" : "&ndash;");
                        }
                        html.append("</td>");
                    }
                    html.append("</tr>\n");
                    first = false;
                }
            }
            html.append("</table>\n");
            String h = headline(names);
            if (h != null) {
                Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
                for (var c : b.getValue().entrySet()) {
                    Map<String, Double> per = new LinkedHashMap<>();
                    for (String cat : categories) {
                        Row r = c.getValue().getOrDefault(cat, Map.of()).get(h);
                        if (r != null && !r.isNullAt(4)) {
                            per.put(cat, r.getDouble(4));
                        }
                    }
                    bars.put(c.getKey(), per);
                }
                img(Charts.bars(b.getKey() + ": " + h, "category", h, bars, h.equals("perception") ? null : 1.0), "benchmark_" + safe(b.getKey()),
                        620, 340, b.getKey() + " " + h + " per category and config");
            }
        }
        judgeBenchmarks();
        close();
    }

    /** The judge-scored benchmarks of {@code predictions} (task judge): their answer files, as evaluate wrote them, per config. */
    private void judgeBenchmarks() {
        Dataset<Row> p = table("predictions");
        if (p == null || !missing(p, "benchmark", "task", "config").isEmpty()) {
            return;
        }
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        for (Row r : p.where("task = 'judge'").groupBy("benchmark", "config").count().collectAsList()) {
            counts.computeIfAbsent(r.getString(0), k -> new TreeMap<>(Comparator.comparing(Report::configOrder).thenComparing(Comparator.naturalOrder())))
                    .put(r.getString(1), r.getLong(2));
        }
        for (var b : counts.entrySet()) {
            html.append("<h3 id=\"benchmark-").append(esc(safe(b.getKey()))).append("\">").append(esc(b.getKey())).append("</h3>\n")
                    .append("<p>Judge-scored: SinkScope writes the answers in the file the benchmark's GPT judge reads and scores nothing itself"
                            + " (every question in each file; a failed generation is an empty answer).</p>\n"
                            + "<table><tr><th>config</th><th>answers</th><th>file for the judge</th></tr>\n");
            for (var c : b.getValue().entrySet()) {
                html.append("<tr><td>").append(esc(c.getKey())).append("</td><td class=\"num\">").append(c.getValue()).append("</td><td><code>")
                        .append(esc(root.path("judge/" + b.getKey() + "/" + sinkscope.eval.JudgeFiles.fileName(b.getKey(), c.getKey()))))
                        .append("</code></td></tr>\n");
            }
            html.append("</table>\n");
        }
    }

    private void significanceSection() {
        open("significance");
        Dataset<Row> sig = table("significance");
        List<String> missing = missing(sig, "benchmark", "config", "metric", "n", "baseline", "value", "difference", "ci_low", "ci_high",
                "mcnemar_p", "significant");
        if (sig == null || !missing.isEmpty()) {
            absent("significance", missing, "run evaluate with a baseline config");
            close();
            return;
        }
        List<Row> rows = sig.orderBy("benchmark", "config").collectAsList();
        html.append("<p>Each configuration against <b>baseline</b> on the units both answered (questions; MMBench's rotation groups and MMVP's"
                + " pairs; captions), on the benchmark's per-unit score: the difference of means with a seeded paired-bootstrap 95% interval,"
                + " and for right/wrong scores McNemar's exact test. <i>significant</i>: p &lt; 0.05 (right/wrong), else the interval"
                + " excludes 0.</p>\n<table><tr><th>benchmark</th><th>config</th><th>metric</th><th>n</th><th>baseline</th><th>config</th>"
                + "<th>difference</th><th>95% interval</th><th>b / c</th><th>McNemar p</th><th>significant</th></tr>\n");
        for (Row r : rows) {
            html.append("<tr><td>").append(esc(r.getAs("benchmark"))).append("</td><td>").append(esc(r.getAs("config"))).append("</td><td>")
                    .append(esc(r.getAs("metric"))).append("</td><td class=\"num\">").append((long) r.getAs("n")).append("</td>")
                    .append(num(r.getAs("baseline"), "%.3f")).append(num(r.getAs("value"), "%.3f")).append(num(r.getAs("difference"), "%+.3f"))
                    .append("<td class=\"num\">").append(r.getAs("ci_low") == null ? "" : String.format(Locale.ROOT, "[%+.3f, %+.3f]",
                            (double) r.getAs("ci_low"), (double) r.getAs("ci_high"))).append("</td><td class=\"num\">")
                    .append(has(sig, "baseline_only") && r.getAs("baseline_only") != null ? r.getAs("baseline_only") + " / " + r.getAs("config_only") : "")
                    .append("</td>").append(num(r.getAs("mcnemar_p"), "%.4f")).append("<td>").append((boolean) r.getAs("significant") ? "<b>yes</b>" : "no")
                    .append("</td></tr>\n");
        }
        html.append("</table>\n");
        close();
    }

    private static String num(Object v, String fmt) {
        return "<td class=\"num\">" + (v == null ? "" : String.format(Locale.ROOT, fmt, ((Number) v).doubleValue())) + "</td>";
    }

    /**
     * The VAR configurations' parameters (from their names, {@link sinkscope.spark.EvalConfig#parse}) against each benchmark's
     * headline metric: a table of every VAR config and, per parameter that varies, a chart of the metric over its values (the
     * configs whose other parameters are VAR's defaults).
     */
    private void sweepSection() throws IOException {
        open("sweep");
        var all = benchmarkMetrics();
        if (all == null) {
            absent("benchmark_metrics", List.of(), "run evaluate");
            close();
            return;
        }
        Map<String, sinkscope.spark.EvalConfig> var = new TreeMap<>();
        for (var b : all.values()) {
            for (String c : b.keySet()) {
                try {
                    sinkscope.spark.EvalConfig ec = sinkscope.spark.EvalConfig.parse(c);
                    if (ec.kind().equals("var")) {
                        var.put(c, ec);
                    }
                } catch (IllegalArgumentException e) {
                    // a config name this version does not parse: not part of a sweep
                }
            }
        }
        Set<String> keys = new TreeSet<>();
        var.values().forEach(c -> keys.addAll(c.parameters().keySet()));
        List<String> varying = new ArrayList<>();
        for (String k : keys) {
            if (var.values().stream().map(c -> c.parameters().get(k)).distinct().count() > 1) {
                varying.add(k);
            }
        }
        if (varying.isEmpty()) {
            note("No sweep: the VAR configurations (" + esc(String.join(", ", var.keySet())) + ") do not vary a parameter. Add one with"
                    + " <code>--configs baseline,var[rho=0.5:0.9:0.1]</code>.");
            close();
            return;
        }
        Map<String, String> headlines = new LinkedHashMap<>();
        for (var b : all.entrySet()) {
            Set<String> names = new java.util.LinkedHashSet<>();
            b.getValue().values().forEach(c -> names.addAll(c.getOrDefault("all", Map.of()).keySet()));
            String h = headline(names);
            if (h != null) {
                headlines.put(b.getKey(), h);
            }
        }
        html.append("<p>Every VAR configuration with its parameters and each benchmark's headline metric (category <i>all</i>);"
                + " baseline for reference. Parameters varied: ").append(esc(String.join(", ", varying))).append(".</p>\n");
        html.append("<table><tr><th>config</th>");
        for (String k : keys) {
            html.append("<th>").append(esc(k)).append("</th>");
        }
        headlines.forEach((b, h) -> html.append("<th>").append(esc(b)).append("<br>").append(esc(h)).append("</th>"));
        html.append("</tr>\n");
        List<String> shown = new ArrayList<>();
        shown.add("baseline");
        shown.addAll(var.keySet());
        for (String c : shown) {
            sinkscope.spark.EvalConfig ec = var.get(c);
            html.append("<tr><td>").append(esc(c)).append("</td>");
            for (String k : keys) {
                html.append("<td class=\"num\">").append(ec == null || ec.parameters().get(k) == null ? "" : fmt(ec.parameters().get(k))).append("</td>");
            }
            for (var h : headlines.entrySet()) {
                Row r = all.get(h.getKey()).getOrDefault(c, Map.of()).getOrDefault("all", Map.of()).get(h.getValue());
                html.append(num(r == null || r.isNullAt(4) ? null : r.getDouble(4), "%.3f"));
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n<div class=\"row\">");
        sinkscope.spark.EvalConfig defaults = sinkscope.spark.EvalConfig.parse("var");
        for (String k : varying) {
            Map<String, double[][]> series = new LinkedHashMap<>();
            for (var h : headlines.entrySet()) {
                List<double[]> pts = new ArrayList<>();
                for (var e : var.entrySet()) {
                    boolean othersDefault = e.getValue().parameters().entrySet().stream().filter(p -> !p.getKey().equals(k))
                            .allMatch(p -> p.getValue().equals(defaults.parameters().get(p.getKey())));
                    Double x = e.getValue().parameters().get(k);
                    Row r = all.get(h.getKey()).getOrDefault(e.getKey(), Map.of()).getOrDefault("all", Map.of()).get(h.getValue());
                    if (othersDefault && x != null && r != null && !r.isNullAt(4)) {
                        pts.add(new double[] {x, r.getDouble(4)});
                    }
                }
                pts.sort(Comparator.comparingDouble(p -> p[0]));
                if (!pts.isEmpty()) {
                    series.put(h.getKey() + " " + h.getValue(), pts.toArray(double[][]::new));
                }
            }
            if (!series.isEmpty()) {
                JFreeChart chart = Charts.lines("Sensitivity to " + k, k, "headline metric", series, false);
                // parameter values are fractions: decimal ticks, not the layer charts' integer ones
                ((org.jfree.chart.axis.NumberAxis) chart.getXYPlot().getDomainAxis())
                        .setStandardTickUnits(org.jfree.chart.axis.NumberAxis.createStandardTickUnits());
                img(chart, "sweep_" + safe(k), 620, 400, "headline metrics over " + k);
            }
        }
        html.append("</div>\n");
        close();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private void groundingSection() throws IOException {
        open("grounding");
        Dataset<Row> g = table("grounding");
        List<String> missing = missing(g, "config", "layer", "image_attention");
        if (g == null || !missing.isEmpty()) {
            absent("grounding", missing, "run evaluate with a runner that reports per-layer image attention");
            close();
            return;
        }
        List<String> values = new ArrayList<>();
        for (StructField f : g.schema().fields()) {
            if (f.dataType() instanceof NumericType && !f.name().equals("layer")) {
                values.add(f.name());
            }
        }
        List<Column> aggs = new ArrayList<>();
        for (String v : values) {
            aggs.add(avg(col(v).cast("double")).as(v));
        }
        aggs.add(count("*").as("rows"));
        List<Row> rows = g.groupBy("config", "layer").agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new))
                .orderBy("config", "layer").collectAsList();
        if (rows.isEmpty()) {
            note("grounding is empty.");
            close();
            return;
        }
        Set<String> configs = new TreeSet<>(Comparator.comparing(Report::configOrder).thenComparing(Comparator.naturalOrder()));
        rows.forEach(r -> configs.add(r.getAs("config")));
        html.append("<p>Mean over samples, per decoder layer and configuration, of the last prompt token's attention")
                .append(values.size() > 1 ? " (one chart per measure the table has: " + esc(String.join(", ", values)) + ")" : "")
                .append(". VAR should raise the image attention of the layers it redistributes in; the ablations show what removing the"
                        + " sink tokens' attention does.</p>\n<div class=\"row\">");
        for (String v : values) {
            Map<String, double[][]> series = new LinkedHashMap<>();
            for (String c : configs) {
                double[][] points = rows.stream().filter(r -> r.getAs("config").equals(c) && r.getAs(v) != null)
                        .map(r -> new double[] {(Integer) r.getAs("layer"), r.<Double>getAs(v)}).toArray(double[][]::new);
                if (points.length > 0) {
                    series.put(c, points);
                }
            }
            if (series.isEmpty()) {
                note(esc(v) + ": no values (e.g. no question in the input has an object box).");
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
            img(Charts.lines(title, "decoder layer", axis, series, false), "grounding_" + safe(v), 620, 400, title);
        }
        html.append("</div>\n");
        close();
    }

    private void errorSection() {
        open("errors");
        Dataset<Row> errors = table("errors");
        List<String> missing = missing(errors, "job", "stage", "reason");
        if (errors == null || !missing.isEmpty()) {
            absent("errors", missing, "");
            close();
            return;
        }
        List<Row> groups = errors.groupBy("job", "stage").count().orderBy(col("count").desc(), col("job"), col("stage")).collectAsList();
        if (groups.isEmpty()) {
            html.append("<p class=\"ok\">No errors: every input was processed by every job.</p>\n");
            close();
            return;
        }
        html.append("<table><tr><th>job</th><th>stage</th><th>rows</th><th>examples (question_id, line: reason)</th></tr>\n");
        boolean hasId = has(errors, "question_id");
        boolean hasLine = has(errors, "line");
        for (Row grp : groups) {
            String job = grp.getString(0);
            String stage = grp.getString(1);
            List<Row> examples = errors.where(col("job").equalTo(job).and(col("stage").equalTo(stage))).limit(3).collectAsList();
            html.append("<tr><td>").append(esc(job)).append("</td><td>").append(esc(stage)).append("</td><td class=\"num\">")
                    .append(grp.getLong(2)).append("</td><td><ul>");
            for (Row e : examples) {
                Object id = hasId ? e.getAs("question_id") : null;
                Object line = hasLine ? e.getAs("line") : null;
                html.append("<li><code>").append(esc(id == null ? "-" : id.toString())).append(", ")
                        .append(line == null ? "-" : "line " + line).append("</code>: ").append(esc(e.getAs("reason"))).append("</li>");
            }
            html.append("</ul></td></tr>\n");
        }
        html.append("</table>\n");
        close();
    }

    // ---- data helpers -----------------------------------------------------------------------------------

    /** The table as Spark reads its Parquet folder (every column, extras included), or null when absent. */
    private Dataset<Row> table(String name) {
        if (!root.exists(name)) {
            return null;
        }
        return spark.read().parquet(root.path(name));
    }

    private static boolean has(Dataset<Row> d, String column) {
        return List.of(d.columns()).contains(column);
    }

    private static List<String> missing(Dataset<Row> d, String... columns) {
        List<String> m = new ArrayList<>();
        if (d != null) {
            for (String c : columns) {
                if (!has(d, c)) {
                    m.add(c);
                }
            }
        }
        return m;
    }

    /** question_id -> value of a string column of a table; empty when either is absent. */
    private Map<String, String> column(String table, String name) {
        Dataset<Row> d = table(table);
        Map<String, String> m = new HashMap<>();
        if (d != null && has(d, "question_id") && has(d, name)) {
            for (Row r : d.select(col("question_id"), col(name).cast("string")).collectAsList()) {
                m.put(r.getString(0), r.getString(1));
            }
        }
        return m;
    }

    /** The questions of the run's question file by id (for image paths, texts, boxes); empty when unknown. */
    private Map<String, Question> questions() throws IOException {
        Map<String, Question> m = new HashMap<>();
        String file = run.get("questions");
        if (file != null && Files.isRegularFile(Storage.path(file))) {
            for (Question q : QuestionReader.read(Storage.path(file)).questions()) {
                m.put(q.questionId(), q);
            }
        }
        return m;
    }

    /** config -> answer of each chosen sample, from predictions. */
    private Map<String, Map<String, String>> answers(List<String> ids) {
        Map<String, Map<String, String>> m = new HashMap<>();
        Dataset<Row> p = table("predictions");
        if (p == null || !missing(p, "question_id", "config", "answer").isEmpty()) {
            return m;
        }
        List<Row> rows = p.where(col("question_id").isin(ids.toArray())).select("question_id", "config", "answer").collectAsList();
        for (Row r : rows.stream().sorted(Comparator.comparing((Row r) -> configOrder(r.getString(1))).thenComparing(r -> r.getString(1))).toList()) {
            m.computeIfAbsent(r.getString(0), k -> new LinkedHashMap<>()).put(r.getString(1), r.getString(2).strip());
        }
        return m;
    }

    /** (config NUL category) -> share of predictions parsed as 'other'; empty without predictions. */
    private Map<String, Double> otherShare() {
        Map<String, Double> m = new HashMap<>();
        Dataset<Row> p = table("predictions");
        if (p == null || !missing(p, "config", "category", "pred", "label").isEmpty()) {
            return m;
        }
        Dataset<Row> labelled = p.where(col("label").isNotNull());
        Column isOther = org.apache.spark.sql.functions.when(col("pred").equalTo("other"), 1.0).otherwise(0.0);
        for (Row r : labelled.groupBy("config", "category").agg(avg(isOther)).collectAsList()) {
            m.put(r.getString(0) + "\u0000" + (r.isNullAt(1) ? "" : r.getString(1)), r.getDouble(2));
        }
        for (Row r : labelled.groupBy("config").agg(avg(isOther)).collectAsList()) {
            m.put(r.getString(0) + "\u0000all", r.getDouble(1));
        }
        return m;
    }

    /**
     * Up to {@link #ATTENTION_SAMPLES} ids, one per image: first those labelled yes with a known object box (the
     * object should draw the attention), then the rest, each group by id.
     */
    static List<String> chooseSamples(List<String> ids, Map<String, Question> questions, Map<String, String> labels) {
        List<String> sorted = new ArrayList<>(ids);
        sorted.sort(Comparator.comparing((String id) -> {
            Question q = questions.get(id);
            boolean grounded = "yes".equals(labels.get(id)) && q != null && q.box() != null;
            return grounded ? 0 : 1;
        }).thenComparing(Report::idOrder));
        List<String> chosen = new ArrayList<>();
        Set<String> images = new LinkedHashSet<>();
        for (String id : sorted) {
            Question q = questions.get(id);
            if (chosen.size() < ATTENTION_SAMPLES && (q == null || q.image() == null || images.add(q.image()))) {
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

    /** The centre square of the image: what the CLIP processor's resize + centre crop keeps. */
    /** Whether the run's model centre-crops its images (LLaVA-1.5's CLIP processor) rather than seeing them whole. */
    private boolean cropsImages() {
        String dir = run.get("model");
        try {
            return dir == null || sinkscope.model.auto.Families.config(Storage.path(dir)).modelType().equals("llava");
        } catch (RuntimeException e) {
            return true;
        }
    }

    static BufferedImage centreSquare(BufferedImage img) {
        int side = Math.min(img.getWidth(), img.getHeight());
        return img.getSubimage((img.getWidth() - side) / 2, (img.getHeight() - side) / 2, side, side);
    }

    /**
     * A box x0, y0, x1, y1 in image pixels, in patch units of the {@code rows x cols} grid: of the centre square's grid
     * when the model centre-crops ({@code cropped}, LLaVA-1.5), else of the whole image resized to the grid (Qwen2-VL).
     */
    static double[] patchBox(double[] box, int width, int height, int rows, int cols, boolean cropped) {
        if (!cropped) {
            double sx = cols / (double) width;
            double sy = rows / (double) height;
            return new double[] {box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy};
        }
        int grid = rows;
        int side = Math.min(width, height);
        double ox = (width - side) / 2;
        double oy = (height - side) / 2;
        double s = grid / (double) side;
        return new double[] {(box[0] - ox) * s, (box[1] - oy) * s, (box[2] - ox) * s, (box[3] - oy) * s};
    }

    /** baseline, then VAR configs, then ablations, then the rest. */
    static int configOrder(String config) {
        if (config.equals("baseline") || config.equals("extract")) {
            return 0;
        }
        if (config.startsWith("var")) {
            return 1;
        }
        return config.startsWith("ablate_sinks") ? 2 : config.startsWith("ablate") ? 3 : 4;
    }

    /** Numeric ids in numeric order, before the others. */
    private static String idOrder(String id) {
        return id.matches("\\d{1,18}") ? String.format("0%018d", Long.parseLong(id)) : "1" + id;
    }

    private static float[] floats(List<?> xs) {
        float[] f = new float[xs.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((Number) xs.get(i)).floatValue();
        }
        return f;
    }

    private static double[][] nan(int rows, int cols) {
        double[][] z = new double[rows][cols];
        for (double[] r : z) {
            java.util.Arrays.fill(r, Double.NaN);
        }
        return z;
    }

    // ---- HTML helpers -------------------------------------------------------------------------------------

    private void open(String id) {
        html.append("<section id=\"").append(id).append("\"><h2>").append(esc(SECTIONS.get(id))).append("</h2>\n");
    }

    private void close() {
        html.append("</section>\n");
    }

    private void note(String safeHtml) {
        html.append("<p class=\"note\">").append(safeHtml).append("</p>\n");
    }

    private void absent(String table, List<String> missing, String hint) {
        if (missing.isEmpty()) {
            note("No <code>" + table + "</code> table in this output root" + (hint.isEmpty() ? "." : ": " + hint + "."));
        } else {
            note("The <code>" + table + "</code> table lacks the columns " + esc(missing.toString()) + ".");
        }
    }

    private void kv(String k, String v) {
        html.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>");
    }

    private void img(JFreeChart chart, String name, int width, int height, String alt) throws IOException {
        Path file = charts.resolve(name + ".png");
        Charts.png(chart, width, height, file);
        written.add(file);
        html.append("<img src=\"charts/").append(esc(file.getFileName().toString())).append("\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" alt=\"").append(esc(alt)).append("\">");
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    static String esc(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px 32px; color: #222; max-width: 1320px; }
            h1 { margin-bottom: 4px; } .sub { color: #666; margin-top: 0; }
            nav { margin: 12px 0 8px; } nav a { margin-right: 16px; color: #2a5d9f; text-decoration: none; font-size: 14px; }
            section { border-top: 2px solid #ddd; margin-top: 28px; padding-top: 4px; }
            h2 { color: #1b3d6d; } h3 { margin: 14px 0 6px; }
            p { line-height: 1.45; max-width: 1250px; }
            table { border-collapse: collapse; margin: 6px 0 14px; font-size: 14px; }
            th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
            th { background: #f2f4f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
            table.kv th { width: 180px; } table.kv td { word-break: break-all; }
            table.metrics tr.first td { border-top: 2px solid #888; }
            .better { color: #18794e; font-weight: bold; } .worse { color: #c4302b; font-weight: bold; }
            .neutral { color: #777; } .same { color: #aaa; }
            .note { background: #fff7e0; border-left: 4px solid #f0b429; padding: 6px 10px; }
            .ok { background: #e8f6ee; border-left: 4px solid #18794e; padding: 6px 10px; }
            .cols { display: flex; gap: 32px; flex-wrap: wrap; } .cols > div { flex: 1; min-width: 420px; }
            .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; margin: 6px 0; }
            .rowlabel { width: 110px; font-weight: bold; padding-top: 130px; }
            .sample { margin: 10px 0 18px; } .sample p { margin: 2px 0 4px; }
            ul { margin: 0; padding-left: 18px; } code { font-size: 13px; }
            img { border: 1px solid #eee; }
            """;
}
