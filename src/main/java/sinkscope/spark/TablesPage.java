package sinkscope.spark;

import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code docs/tables.md}, generated from {@link Tables}: every output table in the order the jobs write them, a
 * sentence on what a row is, and one line per column (name, Spark type, nullable, the column's comment). The page is
 * never edited by hand: {@code jobs/sinkscope docs} writes it, and a test fails when the committed page differs.
 */
public final class TablesPage {
    private TablesPage() {}

    /** An output table: its folder name under the output root, its schema and what one row is. */
    public record Table(String name, StructType schema, String about) {}

    /** The output tables, in the order the jobs write them. */
    public static final List<Table> OUTPUT = List.of(
            entry(Tables.TOKENS, "tokens",
                    "Token sink scores."),
            entry(Tables.HEADS, "heads",
                    "Per-head attention ratios."),
            entry(Tables.DIMS, "dims",
                    "Sink-dimension partial sums over each sample's image tokens (only dims above the floor)."),
            entry(Tables.ATTENTION, "attention",
                    "Last prompt token's attention over the image patches, for chosen layers, one row per panel of the image (LLaVA-1.5 and Qwen2-VL: panel 0 only; LLaVA-NeXT: 0 the base image, 1 the unpadded tile mosaic in HF's packing order, newline tokens left out)."),
            entry(Tables.SAMPLES, "samples",
                    "One row per processed sample."),
            entry(Tables.ERRORS, "errors",
                    "Bad inputs; partitioned by job (read, extract, evaluate)."),
            entry(Tables.SINK_DIMENSIONS, "sink_dimensions",
                    "Sink dimensions: how often and how strongly each (layer, dim) is massive on image tokens."),
            entry(Tables.SINK_TOKENS, "sink_tokens",
                    "Visual sink tokens per layer."),
            entry(Tables.HEAD_PROFILE, "head_profile",
                    "Head visual-attention profile."),
            entry(Tables.PREDICTIONS, "predictions",
                    "Generated answers per (sample, config)."),
            entry(Tables.METRICS, "metrics",
                    "POPE metrics per benchmark x config x category for the yes/no benchmarks; category 'all' pools every category. Positive = yes."),
            entry(Tables.BENCHMARK_METRICS, "benchmark_metrics",
                    "Every benchmark's own metrics per config and category, one row per value (long layout), computed from `predictions` with the scorers of `sinkscope.benchmark` (`BenchmarkScores`): yes/no benchmarks accuracy, precision, recall, f1, yes_ratio; MME per subtask acc, acc_plus, score and the perception and cognition totals; multiple choice accuracy and, where questions are grouped, `circular_accuracy` (MMBench), `pair_accuracy` (MMVP) or `group_accuracy`, CV-Bench also accuracy_2d, accuracy_3d and overall; open answers `vqa_accuracy` (with reference answers) or exact-match `accuracy` (GQA); captions chair_s, chair_i, recall, mean_length."),
            entry(Tables.SIGNIFICANCE, "significance",
                    "Each config against baseline on the same units (questions; groups for grouped accuracies; captions), on the benchmark's per-unit score (`eval.Significance`: paired bootstrap percentile interval, seeded with `--seed`, `--resamples` resamples; McNemar's exact test for right/wrong scores)."),
            entry(Tables.GROUNDING, "grounding",
                    "Image attention of the last prompt token per layer and config, when the runner reports it."),
            entry(Tables.ATTENTION_BY_CONFIG, "attention_by_config",
                    "The last prompt token's attention over the image patches per config, for the chosen layers (baseline vs VAR; written by evaluate with `--attention-layers`; one row per panel, as in `attention/`)."));

    private static Table entry(StructType schema, String name, String about) {
        return new Table(name, schema, about);
    }

    /** The Markdown page. */
    public static String markdown() {
        StringBuilder s = new StringBuilder();
        s.append("# Output tables\n\n");
        s.append("<!-- GENERATED from sinkscope.spark.Tables by `jobs/sinkscope docs`; do not edit (TablesPageTest checks it). -->\n\n");
        s.append("Every table is a Parquet folder under the output root (`errors/` is partitioned by `job`); each column's description is\n");
        s.append("also its Spark column comment, written into the Parquet schema metadata. Units: shares and rates are fractions in [0, 1].\n");
        for (Table t : OUTPUT) {
            s.append("\n## `").append(t.name()).append("/`\n\n").append(t.about()).append("\n\n");
            s.append("| column | type | null | meaning |\n|---|---|---|---|\n");
            for (StructField f : t.schema().fields()) {
                String comment = f.getComment().isDefined() ? f.getComment().get() : "";
                s.append("| `").append(f.name()).append("` | ").append(cell(typeName(f.dataType()))).append(" | ")
                        .append(f.nullable() ? "yes" : "no").append(" | ").append(cell(comment)).append(" |\n");
            }
        }
        return s.toString();
    }

    /** Spark's type name, with {@code long} for LongType as Java and Parquet readers say it. */
    private static String typeName(DataType t) {
        if (t instanceof ArrayType a) {
            return "array<" + typeName(a.elementType()) + ">";
        }
        return t instanceof LongType ? "long" : t.simpleString();
    }

    /** A Markdown table cell: pipes escaped, angle brackets as entities. */
    private static String cell(String text) {
        return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;");
    }
}
