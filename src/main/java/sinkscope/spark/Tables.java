package sinkscope.spark;

import static org.apache.spark.sql.functions.col;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Every table's schema in one place. Each output table is a Parquet folder of that name under the output
 * root; each column carries its description as the Spark column comment (also written into the Parquet
 * schema metadata). {@link #SAMPLE_INPUT}, {@link #EXTRACTED} and {@link #EVALUATED} are the stages' in-memory
 * schemas.
 */
public final class Tables {
    private Tables() {}

    private static final DataType S = DataTypes.StringType;
    private static final DataType I = DataTypes.IntegerType;
    private static final DataType L = DataTypes.LongType;
    private static final DataType F = DataTypes.FloatType;
    private static final DataType D = DataTypes.DoubleType;
    private static final DataType B = DataTypes.BooleanType;

    private static StructField c(String name, DataType type, boolean nullable, String comment) {
        return DataTypes.createStructField(name, type, nullable).withComment(comment);
    }

    private static StructType t(StructField... fields) {
        return DataTypes.createStructType(fields);
    }

    // ---- stage inputs and intermediates -------------------------------------------------------------

    /** One row per input sample, the input of {@link ExtractStage} and {@link EvaluateStage}. */
    public static final StructType SAMPLE_INPUT = t(
            c("question_id", S, false, "sample id (POPE question_id)"),
            c("line", I, true, "1-based line in the questions file; null for table inputs"),
            c("image_path", S, true, "image file, resolved under the image root; null when image_bytes is set"),
            c("image_bytes", DataTypes.BinaryType, true, "encoded image file; null when image_path is set"),
            c("question", S, false, "question text, without the prompt template"),
            c("label", S, true, "ground truth answer (POPE: yes/no); null when unknown"),
            c("category", S, true, "category or split (POPE: random/popular/adversarial); null when unknown"),
            c("object", S, true, "object the question asks about, when known"),
            c("box", DataTypes.createArrayType(D, false), true, "object box x0, y0, x1, y1 in pixels of the original image, when known"),
            c("benchmark", S, false, "benchmark the question belongs to (pope, mme, mmbench, vqav2, synth_choice, ...)"),
            c("task", S, false, "yes_no, choice, open, caption or judge: how the answer is parsed and scored"),
            c("options", DataTypes.createArrayType(S, false), true, "multiple-choice option texts, A first; null otherwise"),
            c("answers", DataTypes.createArrayType(S, false), true, "reference answers of an open question, or a caption's ground-truth objects; null otherwise"),
            c("group", S, true, "questions scored together (MME image pair, MMBench rotations, MMVP pair); null when none"));

    /** Token sink scores. */
    public static final StructType TOKENS = t(
            c("question_id", S, false, "sample id"),
            c("layer", I, false, "decoder layer whose input hidden state is scored (0 = embeddings)"),
            c("position", I, false, "token position in the prompt sequence"),
            c("modality", S, false, "bos (the first token: BOS for LLaMA, <|im_start|> for Qwen2-VL, which has no BOS), text or image"),
            c("phi", F, false, "sink score max_{d in D_sink} |x_d| / RMS(x)"),
            c("is_sink", B, false, "phi > tau"));

    /** Per-head attention ratios. */
    public static final StructType HEADS = t(
            c("question_id", S, false, "sample id"),
            c("layer", I, false, "decoder layer"),
            c("head", I, false, "attention head"),
            c("query", S, false, "last (last prompt token) or text_mean (mean over text queries after the image)"),
            c("image_attention", F, false, "attention mass on image tokens"),
            c("visual_sink_share", F, false, "fraction of the image attention on visual sink tokens"),
            c("text_sink_share", F, false, "attention mass on text and BOS sink tokens"),
            c("image_centric", B, false, "image_attention >= summ and visual_sink_share <= rho"));

    /** Sink-dimension partial sums over each sample's image tokens (only dims above the floor). */
    public static final StructType DIMS = t(
            c("question_id", S, false, "sample id"),
            c("layer", I, false, "decoder layer"),
            c("dim", I, false, "hidden dimension d"),
            c("count_above_floor", I, false, "image tokens with |x_d| / RMS(x) > floor"),
            c("max_ratio", F, false, "largest |x_d| / RMS(x) over the image tokens"),
            c("sum_ratio", D, false, "sum of |x_d| / RMS(x) over the image tokens above the floor"));

    /** Last prompt token's attention over the image patches, for chosen layers, one row per panel of the image. */
    public static final StructType ATTENTION = t(
            c("question_id", S, false, "sample id"),
            c("layer", I, false, "decoder layer"),
            c("panel", I, false, "patch grid of the image span, in span order (one grid; LLaVA-NeXT: base image, tile mosaic; InternVL: tiles, thumbnail)"),
            c("grid_rows", I, false, "rows of the panel's patch grid"),
            c("grid_cols", I, false, "columns of the panel's patch grid (weights has grid_rows x grid_cols entries)"),
            c("weights", DataTypes.createArrayType(F, false), false, "attention per patch, row-major, mean over heads"),
            c("sink_patches", DataTypes.createArrayType(I, false), false, "patch indices that are visual sinks"),
            c("picture", DataTypes.createArrayType(D, false), false,
                    "the part of the original picture the panel shows: x0, y0, x1, y1 as fractions of its width and height (beyond 0..1 where padded)"));

    /** One row per processed sample. */
    public static final StructType SAMPLES = t(
            c("question_id", S, false, "sample id"),
            c("line", I, true, "1-based line in the questions file; null for table inputs"),
            c("category", S, true, "category or split"),
            c("label", S, true, "ground truth answer"),
            c("num_image_tokens", I, false, "image tokens in the sequence"),
            c("seq_len", I, false, "prompt length in tokens"),
            c("model_time_ms", L, false, "model wall time for the sample (with `--batch-size B`, the batch's over B)"));

    /** Bad inputs; partitioned by job (read, extract, evaluate). */
    public static final StructType ERRORS = t(
            c("question_id", S, true, "sample id; null when unknown (e.g. a malformed line)"),
            c("line", I, true, "1-based line in the questions file, when the input is a file"),
            c("stage", S, false, "where it failed: read, image, prompt, model, ... (evaluate: config/stage)"),
            c("reason", S, false, "what is wrong, naming the file or field"),
            c("job", S, false, "job that recorded it: read, extract or evaluate (the folder partition)"));

    /** Sink dimensions: how often and how strongly each (layer, dim) is massive on image tokens. */
    public static final StructType SINK_DIMENSIONS = t(
            c("layer", I, false, "decoder layer"),
            c("dim", I, false, "hidden dimension d"),
            c("count", L, false, "image tokens (all samples) with |x_d| / RMS(x) > floor"),
            c("frequency", D, false, "count / image tokens of all samples"),
            c("samples", L, false, "samples with at least one such token"),
            c("max_ratio", F, false, "largest |x_d| / RMS(x) seen"),
            c("mean_ratio", D, false, "mean |x_d| / RMS(x) over the counted tokens"),
            c("rank", I, false, "1 = most frequent dim of the layer (ties: larger max_ratio, smaller dim)"),
            c("recommended", B, false, "dim is in the recommended D_sink (top dims by count over layers >= 2)"));

    /** Visual sink tokens per layer. */
    public static final StructType SINK_TOKENS = t(
            c("layer", I, false, "decoder layer"),
            c("images", L, false, "samples"),
            c("visual_sinks_per_image", D, false, "mean number of image tokens with phi > tau per sample"),
            c("sink_share", D, false, "visual sinks / image tokens, all samples"),
            c("position_histogram", DataTypes.createArrayType(L, false), false,
                    "visual sinks per bin of the image-token index (bins of equal width over each image's tokens)"));

    /** Head visual-attention profile. */
    public static final StructType HEAD_PROFILE = t(
            c("layer", I, false, "decoder layer"),
            c("head", I, false, "attention head"),
            c("query", S, false, "last or text_mean"),
            c("samples", L, false, "samples"),
            c("mean_image_attention", D, false, "mean attention mass on image tokens"),
            c("mean_visual_sink_share", D, false, "mean fraction of image attention on visual sinks"),
            c("mean_text_sink_share", D, false, "mean attention mass on text/BOS sinks"),
            c("image_centric_fraction", D, false, "fraction of samples where the head is image-centric"));

    /** Generated answers per (sample, config). */
    public static final StructType PREDICTIONS = t(
            c("question_id", S, false, "sample id"),
            c("line", I, true, "1-based line in the questions file; null for table inputs"),
            c("category", S, true, "category or split"),
            c("benchmark", S, false, "benchmark of the question"),
            c("task", S, false, "yes_no, choice, open, caption or judge"),
            c("group", S, true, "questions scored together (MME image, MMBench rotations, MMVP pair); null when none"),
            c("config", S, false, "evaluation config: baseline, var, var_rho0.8, ablate_sinks, ablate_random, ..."),
            c("answer", S, false, "generated text"),
            c("pred", S, false, "parsed answer: yes/no/other, an option letter or other, the normalized open answer, a caption's mentioned objects"),
            c("label", S, true, "ground truth answer (yes/no, option letter, GQA answer)"),
            c("correct", B, true, "right by the benchmark's official rule (POPE: eval_pope.py, an answer without a no-word is yes; MME, choice: other never is); null without a label and for captions"),
            c("score", D, true, "per-question score: 1/0 right/wrong, the VQA accuracy, or 1 when a caption hallucinates; null for judge-scored answers"),
            c("options", DataTypes.createArrayType(S, false), true, "multiple-choice option texts, A first"),
            c("answers", DataTypes.createArrayType(S, false), true, "reference answers, or a caption's ground-truth objects"),
            c("latency_ms", L, false, "wall time of the generation (with `--batch-size B`, the batch's over B)"));

    /** POPE metrics per benchmark x config x category for the yes/no benchmarks; category 'all' pools every category. Positive = yes. */
    public static final StructType METRICS = t(
            c("benchmark", S, false, "yes/no benchmark (pope, mme, ...)"),
            c("config", S, false, "evaluation config"),
            c("category", S, false, "category or split; 'all' for every labelled sample"),
            c("n", L, false, "labelled predictions"),
            c("tp", L, false, "pred yes, label yes"),
            c("fp", L, false, "pred yes, label no"),
            c("tn", L, false, "pred no, label no"),
            c("fn", L, false, "pred not yes (no or other), label yes"),
            c("accuracy", D, false, "(tp + tn) / n"),
            c("precision", D, false, "tp / (tp + fp); 0 when no yes predictions"),
            c("recall", D, false, "tp / (tp + fn); 0 when no yes labels"),
            c("f1", D, false, "2 precision recall / (precision + recall); 0 when both are 0"),
            c("yes_ratio", D, false, "(tp + fp) / n"));

    /** Every benchmark's own metrics per config and category, one row per value (long layout). */
    public static final StructType BENCHMARK_METRICS = t(
            c("benchmark", S, false, "benchmark"),
            c("task", S, false, "yes_no, choice, open or caption"),
            c("config", S, false, "evaluation config"),
            c("category", S, false, "category, MME subtask or answer type; 'all' pools every question"),
            c("metric", S, false, "metric name: accuracy, f1, circular_accuracy, vqa_accuracy, acc_plus, chair_s, ..."),
            c("value", D, true, "fraction in [0, 1]; MME scores in points, mean_length in words; null when undefined (no questions)"),
            c("n", L, false, "questions (groups for group accuracies, captions for CHAIR) the value is over"));

    /**
     * Each config against baseline, and against VAR's default config {@code var} when the run has it, on the same
     * questions: the difference of the benchmark's per-question score and whether it is more than noise.
     */
    public static final StructType SIGNIFICANCE = t(
            c("benchmark", S, false, "benchmark"),
            c("config", S, false, "evaluation config compared"),
            c("against", S, false, "the config it is compared with: baseline, or var (VAR's defaults) for every other non-baseline config"),
            c("metric", S, false, "the per-unit score compared: accuracy, circular_accuracy, pair_accuracy, vqa_accuracy, chair_s"),
            c("n", L, false, "units (questions, groups or captions) both configs scored"),
            c("baseline", D, true, "the mean of the config compared with (column against) over those units"),
            c("value", D, true, "config's mean over those units"),
            c("difference", D, true, "value - baseline (the compared-with config's mean)"),
            c("ci_low", D, true, "lower end of the paired bootstrap percentile interval of the difference"),
            c("ci_high", D, true, "upper end of that interval"),
            c("level", D, false, "interval level (0.95)"),
            c("resamples", I, false, "bootstrap resamples"),
            c("seed", L, false, "bootstrap seed"),
            c("baseline_only", L, true, "units right under the compared-with config only (McNemar's b); null for non-binary scores"),
            c("config_only", L, true, "units right under the config only (McNemar's c); null for non-binary scores"),
            c("mcnemar_p", D, true, "McNemar's exact two-sided p-value; null for non-binary scores"),
            c("significant", B, false, "mcnemar_p < 0.05 for right/wrong scores, else the interval excludes 0"));

    /** The last prompt token's attention over the image patches per config, for the chosen layers (baseline vs VAR), one row per panel. */
    public static final StructType ATTENTION_BY_CONFIG = t(
            c("question_id", S, false, "sample id"),
            c("config", S, false, "evaluation config"),
            c("layer", I, false, "decoder layer"),
            c("panel", I, false, "patch grid: 0 the image grid (LLaVA-NeXT: the base image), 1 LLaVA-NeXT's unpadded tile mosaic"),
            c("grid_rows", I, false, "rows of the panel's patch grid"),
            c("grid_cols", I, false, "columns of the panel's patch grid (weights has grid_rows x grid_cols entries)"),
            c("weights", DataTypes.createArrayType(F, false), false, "attention per patch after the config's rewrite, row-major, mean over heads"));

    /** Image attention of the last prompt token per layer and config, when the runner reports it. */
    public static final StructType GROUNDING = t(
            c("question_id", S, false, "sample id"),
            c("config", S, false, "evaluation config"),
            c("layer", I, false, "decoder layer"),
            c("image_attention", F, false, "attention mass on image tokens, mean over heads"),
            c("object_share", F, true, "share of that image attention on the patches of the asked object's box (null without a box)"));

    /** {@link ExtractStage}'s output: one row per sample, nested rows for each table, or an error. */
    public static final StructType EXTRACTED = t(
            c("question_id", S, false, "sample id"),
            c("line", I, true, "input line"),
            c("category", S, true, "category"),
            c("label", S, true, "label"),
            c("error_stage", S, true, "set when the sample failed"),
            c("error_reason", S, true, "set when the sample failed"),
            c("num_image_tokens", I, true, "image tokens"),
            c("seq_len", I, true, "prompt length"),
            c("model_time_ms", L, true, "model time"),
            c("tokens", nested(TOKENS), true, "token rows"),
            c("heads", nested(HEADS), true, "head rows"),
            c("dims", nested(DIMS), true, "dim rows"),
            c("attention", nested(ATTENTION), true, "attention rows"));

    /** {@link EvaluateStage}'s output: one row per (sample, config), a prediction or an error. */
    public static final StructType EVALUATED = t(
            c("question_id", S, false, "sample id"),
            c("line", I, true, "input line"),
            c("category", S, true, "category"),
            c("label", S, true, "label"),
            c("config", S, false, "evaluation config"),
            c("benchmark", S, false, "benchmark"),
            c("task", S, false, "task"),
            c("group", S, true, "group"),
            c("options", DataTypes.createArrayType(S, false), true, "options"),
            c("answers", DataTypes.createArrayType(S, false), true, "reference answers"),
            c("error_stage", S, true, "set when the sample failed"),
            c("error_reason", S, true, "set when the sample failed"),
            c("answer", S, true, "generated text"),
            c("pred", S, true, "parsed answer"),
            c("correct", B, true, "right by the benchmark's rule"),
            c("score", D, true, "per-question score"),
            c("latency_ms", L, true, "latency"),
            c("grounding", DataTypes.createArrayType(F, false), true, "image attention per layer"),
            c("object_share", DataTypes.createArrayType(F, false), true, "share of the image attention on the object's patches, per layer"),
            c("attention", DataTypes.createArrayType(DataTypes.createStructType(new StructField[] {
                c("layer", I, false, "decoder layer"),
                c("panel", I, false, "patch grid (0 the image grid, 1 LLaVA-NeXT's tile mosaic)"),
                c("grid_rows", I, false, "rows of the panel's patch grid"),
                c("grid_cols", I, false, "columns of the panel's patch grid"),
                c("weights", DataTypes.createArrayType(F, false), false, "attention per patch")}), false), true,
                    "last prompt token's attention over the image per requested layer and panel"));

    /** The element type of a nested table: its columns without question_id. */
    private static ArrayType nested(StructType table) {
        List<StructField> fields = new ArrayList<>();
        for (StructField f : table.fields()) {
            if (!f.name().equals("question_id")) {
                fields.add(f);
            }
        }
        return DataTypes.createArrayType(DataTypes.createStructType(fields), false);
    }

    /**
     * Fails before any work when {@code data} lacks a column of {@code required} or has it with another type,
     * naming the columns ({@code what} names the stage).
     */
    public static void require(Dataset<Row> data, StructType required, String what) {
        List<String> problems = new ArrayList<>();
        StructType have = data.schema();
        for (StructField f : required.fields()) {
            if (!List.of(have.fieldNames()).contains(f.name())) {
                problems.add("missing column " + f.name() + " (" + f.dataType().simpleString() + ")");
            } else {
                DataType t = have.apply(f.name()).dataType();
                if (!t.catalogString().equals(f.dataType().catalogString())) {
                    problems.add("column " + f.name() + " is " + t.simpleString() + ", expected " + f.dataType().simpleString());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(what + ": input schema does not fit: " + String.join("; ", problems)
                    + "; have " + have.simpleString());
        }
    }

    /** {@code data}'s columns in {@code schema}'s order, cast to its types, with its column comments. */
    public static Dataset<Row> conform(Dataset<Row> data, StructType schema) {
        Column[] cols = new Column[schema.fields().length];
        for (int i = 0; i < cols.length; i++) {
            StructField f = schema.fields()[i];
            DataType have = data.schema().apply(f.name()).dataType();
            Column c = have.catalogString().equals(f.dataType().catalogString()) ? col(f.name()) : col(f.name()).cast(f.dataType());
            cols[i] = c.as(f.name(), f.metadata());
        }
        return data.select(cols);
    }
}
