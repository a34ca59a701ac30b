package sinkscope.report;

import static org.apache.spark.sql.functions.col;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import sinkscope.model.ModelConfig;

/**
 * The run: its recorded parameters, the model as its {@code config.json} describes it, the dataset (input files,
 * processed samples by category and label, and the input balance inputs = processed + read/extract errors) and the
 * row count of every known table.
 */
final class RunSection extends Section<RunSection.Data> {
    /**
     * {@code model}: rows of the model table, null when no config.json was readable ({@code modelDir} null: not
     * recorded); {@code processed} null without a samples table; {@code rows}: null for an absent table.
     */
    record Data(Map<String, String> parameters, String modelDir, Map<String, String> model, Map<String, String> inputs,
            Map<String, Long> byCategory, Map<String, Long> byLabel, Long processed, long inputErrors, Map<String, Long> rows) {}

    RunSection() {
        super("run", "Run");
    }

    @Override
    Data query(Input in) {
        RunInfo run = in.run;
        String dir = run.get("model");
        Path config = dir == null ? null : sinkscope.data.Storage.path(dir).resolve("config.json");
        Map<String, String> model = null;
        if (config != null && Files.isRegularFile(config)) {
            ModelConfig c = sinkscope.model.auto.Families.config(config);
            model = new LinkedHashMap<>();
            model.put("directory", dir);
            model.put("model type", c.modelType());
            model.put("LLM", c.text().numHiddenLayers() + " layers, " + c.text().numAttentionHeads() + " heads (" + c.text().numKeyValueHeads()
                    + " kv), hidden size " + c.text().hiddenSize());
            for (String line : c.visionSummary()) {
                int colon = line.indexOf(": ");
                model.put(line.substring(0, colon), line.substring(colon + 2));
            }
            model.put("parameters", String.format(Locale.ROOT, "%,d", c.parameterCount()));
        }
        Map<String, String> inputs = new LinkedHashMap<>();
        for (String[] k : new String[][] {{"questions", "questions"}, {"table", "input table"}, {"images", "images"}}) {
            if (run.get(k[0]) != null) {
                inputs.put(k[1], run.get(k[0]));
            }
        }
        Dataset<Row> samples = in.table("samples");
        Map<String, Long> byCategory = samples != null && Input.has(samples, "category") ? counts(samples, "category") : null;
        Map<String, Long> byLabel = samples != null && Input.has(samples, "label") ? counts(samples, "label") : null;
        Long processed = null;
        long inputErrors = 0;
        if (samples != null) {
            Dataset<Row> errors = in.table("errors");
            processed = samples.count();
            inputErrors = errors == null || !Input.has(errors, "job") ? 0 : errors.where(col("job").isin("read", "extract")).count();
        }
        Map<String, Long> rows = new LinkedHashMap<>();
        for (String t : Export.KNOWN.keySet()) {
            Dataset<Row> d = in.table(t);
            rows.put(t, d == null ? null : d.count());
        }
        return new Data(run.parameters(), dir, model, inputs, byCategory, byLabel, processed, inputErrors, rows);
    }

    /** value -> rows, by value, null as "(none)". */
    private static Map<String, Long> counts(Dataset<Row> d, String column) {
        Map<String, Long> m = new TreeMap<>();
        for (Row r : d.groupBy(column).count().collectAsList()) {
            m.put(r.isNullAt(0) ? "(none)" : r.getString(0), r.getLong(1));
        }
        return m;
    }

    @Override
    void render(Data d, Page page) {
        page.add("<div class=\"cols\"><div>\n<h3>Parameters</h3>\n");
        if (d.parameters().isEmpty()) {
            page.note("Run parameters not recorded: <code>pipeline</code> saves them in <code>" + Page.esc(page.where(RunInfo.FILE))
                    + "</code>; this output root was reported without them.");
        } else {
            page.add("<table class=\"kv\">");
            d.parameters().forEach(page::kv);
            page.add("</table>\n");
        }
        page.add("</div><div>\n<h3>Model</h3>\n");
        if (d.model() == null) {
            page.note(d.modelDir() == null ? "Model not recorded." : "Model <code>" + Page.esc(d.modelDir()) + "</code> (no config.json readable here).");
        } else {
            page.add("<table class=\"kv\">");
            d.model().forEach(page::kv);
            page.add("</table>\n");
        }
        page.add("<h3>Dataset</h3>\n<table class=\"kv\">");
        d.inputs().forEach(page::kv);
        if (d.byCategory() != null) {
            page.kv("processed samples by category", list(d.byCategory()));
        }
        if (d.byLabel() != null) {
            page.kv("labels", list(d.byLabel()));
        }
        if (d.processed() != null) {
            long n = d.processed();
            long e = d.inputErrors();
            page.kv("inputs", (n + e) + " = " + n + " processed + " + e + " errors (read, extract)");
        }
        page.add("</table>\n");
        page.add("<h3>Rows per table</h3>\n<table><tr><th>table</th><th>rows</th></tr>");
        d.rows().forEach((t, n) -> page.add("<tr><td>").add(t).add("</td><td class=\"num\">").add(n == null ? "<i>missing</i>" : String.valueOf(n))
                .add("</td></tr>"));
        page.add("</table>\n</div></div>\n");
    }

    private static String list(Map<String, Long> counts) {
        StringBuilder s = new StringBuilder();
        counts.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
        return s.toString();
    }
}
