package sinkscope.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import sinkscope.data.InputError;
import sinkscope.data.PromptTemplate;
import sinkscope.data.PublishedBenchmark;
import sinkscope.data.Question;
import sinkscope.data.QuestionReader;

/**
 * The jobs' input: samples in the {@link Tables#SAMPLE_INPUT} schema plus the inputs that could not become
 * samples ({@code errors} rows of job {@code read}). Invariant: {@code total = samples + errors}.
 *
 * <p>{@code image_path} stays relative to the image root; the stages resolve it and refuse paths that escape
 * the root ({@link #resolveImage}).
 */
public record SampleSource(Dataset<Row> samples, List<Row> errors, long total) {

    /** Rows in {@code samples}, from the invariant {@code total = samples + errors} (no Spark job). */
    public long sampleCount() {
        return total - errors.size();
    }

    /** Column names of a table input. {@code image} may be a binary (image bytes) or a string (path) column. */
    public record Columns(String id, String image, String question, String label, String category) {
        public static Columns defaults() {
            return new Columns("question_id", "image", "text", "label", "category");
        }
    }

    /**
     * Reads a LLaVA/POPE question file ({@code question_id}, {@code image}, {@code text}, optional {@code label},
     * {@code category}) on the driver, streaming line by line. Blank lines are skipped; every other line is a
     * sample or an error row naming the file, line and field: malformed JSON, missing id, image or question,
     * duplicate id. With {@code limit > 0} only the first {@code limit} non-blank lines are read.
     */
    public static SampleSource jsonl(SparkSession spark, Path file, int limit) throws IOException {
        return jsonl(spark, file, limit, BenchmarkOptions.defaults());
    }

    /**
     * As {@link #jsonl(SparkSession, Path, int)}, with the benchmark fields: a line without {@code benchmark} is of
     * {@code options.defaultBenchmark()}; its task is the {@code task} field or the benchmark's (a benchmark this project
     * does not know without a task is an error row); {@code question} becomes the text the model is asked: options as
     * lines and the benchmark's prompt suffix ({@link PromptTemplate#question}).
     */
    public static SampleSource jsonl(SparkSession spark, Path file, int limit, BenchmarkOptions options) throws IOException {
        List<Row> samples = new ArrayList<>();
        List<Row> errors = new ArrayList<>();
        long[] total = {0};
        QuestionReader.forEach(file, row -> {
            if (limit > 0 && total[0] >= limit) {
                return;
            }
            total[0]++;
            if (row instanceof Question q) {
                String benchmark = (q.benchmark() == null ? options.defaultBenchmark() : q.benchmark()).toLowerCase(Locale.ROOT);
                String task;
                try {
                    task = BenchmarkOptions.task(benchmark, q.task());
                } catch (IllegalArgumentException e) {
                    errors.add(error(q.questionId(), q.line(), "read", file.getFileName() + " line " + q.line() + ": " + e.getMessage()));
                    return;
                }
                String label = q.label() == null ? null : q.label().trim();
                label = label == null ? null : task.equals(sinkscope.eval.TaskScore.CHOICE) ? label.toUpperCase(Locale.ROOT) : label.toLowerCase(Locale.ROOT);
                String text = PromptTemplate.ask(options.promptSuffix(), benchmark, task, q.text(), q.options());
                samples.add(RowFactory.create(q.questionId(), q.line(), q.image(), null, text, label, q.category(), q.object(), q.box(),
                        benchmark, task, seq(q.options()), seq(q.answers()), q.group()));
            } else if (row instanceof InputError e) {
                errors.add(error(e.questionId(), e.line(), e.stage(), file.getFileName() + " line " + e.line() + ": " + e.reason()));
            }
        });
        return new SampleSource(spark.createDataFrame(samples, Tables.SAMPLE_INPUT), errors, total[0]);
    }

    /**
     * Benchmarks in their published layouts ({@link PublishedBenchmark}) as samples: each benchmark's questions with the
     * text the model is asked ({@link PromptTemplate#question}: options as lines and the benchmark's suffix), image paths
     * relative to {@code imageRoot} (which must hold every benchmark's image folder, {@link #imageRoot}) or MMBench's
     * decoded image bytes. Every record that could not become a question is an error row whose reason is
     * {@code file:line: field: reason}; so is a question id that an earlier benchmark of the run already used.
     * {@code limit > 0}: the first {@code limit} questions of each benchmark.
     */
    public static SampleSource published(SparkSession spark, List<PublishedBenchmark.Input> inputs, Path imageRoot, int limit,
                                         BenchmarkOptions options) throws IOException {
        List<Row> samples = new ArrayList<>();
        List<Row> errors = new ArrayList<>();
        java.util.Map<String, String> seen = new java.util.HashMap<>();
        Path root = imageRoot == null ? null : imageRoot.toAbsolutePath().normalize();
        for (PublishedBenchmark.Input in : inputs) {
            PublishedBenchmark.Result r = PublishedBenchmark.read(in, options.synonyms(), options.allRounds(), limit);
            for (sinkscope.data.ReadError e : r.errors()) {
                errors.add(error(null, e.line(), "read", e.toString()));
            }
            for (PublishedBenchmark.Item item : r.items()) {
                Question q = item.question();
                String other = seen.putIfAbsent(q.questionId(), in.benchmark());
                if (other != null) {
                    errors.add(error(q.questionId(), q.line(), "read", in.files().get(0) + ":" + q.line() + ": question_id: " + q.questionId()
                            + " is already a question of " + other + " in this run"));
                    continue;
                }
                String task = BenchmarkOptions.task(in.benchmark(), q.task());
                String text = PromptTemplate.ask(options.promptSuffix(), in.benchmark(), task, q.text(), q.options());
                String path = item.imagePath() == null ? null : root.relativize(item.imagePath()).toString();
                samples.add(RowFactory.create(q.questionId(), q.line(), path, item.imageBytes(), text, q.label(), q.category(), null, null,
                        in.benchmark(), task, seq(q.options()), seq(q.answers()), q.group()));
            }
        }
        return new SampleSource(spark.createDataFrame(samples, Tables.SAMPLE_INPUT), errors, samples.size() + errors.size());
    }

    /**
     * The image root of a run over {@code inputs}: the deepest folder holding every benchmark's image folder (MMBench
     * has none); null when no benchmark has one.
     */
    public static Path imageRoot(List<PublishedBenchmark.Input> inputs) {
        Path common = null;
        for (PublishedBenchmark.Input in : inputs) {
            if (in.benchmark().equals("mmbench")) {
                continue;
            }
            Path p = in.imageRoot();
            if (common == null) {
                common = p;
            }
            while (!p.startsWith(common)) {
                common = common.getParent();
            }
        }
        return common;
    }

    /**
     * Any Spark table as samples, with its column names given by {@code cols}; a missing label or category
     * column becomes null. Rows without an id, image or question are not samples (each one an error row).
     */
    public static SampleSource table(Dataset<Row> table, Columns cols) {
        return table(table, cols, BenchmarkOptions.defaults());
    }

    /** As {@link #table(Dataset, Columns)}; every row is of {@code options.defaultBenchmark()}, its prompt suffix appended. */
    public static SampleSource table(Dataset<Row> table, Columns cols, BenchmarkOptions options) {
        String benchmark = options.defaultBenchmark().toLowerCase(Locale.ROOT);
        String task = BenchmarkOptions.task(benchmark, null);
        String suffix = PromptTemplate.suffix(options.promptSuffix(), benchmark, task);
        String prefix = PromptTemplate.prefix(options.promptSuffix(), benchmark);
        List<String> names = List.of(table.columns());
        for (String required : new String[] {cols.id(), cols.image(), cols.question()}) {
            if (!names.contains(required)) {
                throw new IllegalArgumentException("input table has no column '" + required + "'; columns: " + names);
            }
        }
        DataType imageType = table.schema().apply(cols.image()).dataType();
        boolean bytes = imageType.equals(DataTypes.BinaryType);
        if (!bytes && !imageType.equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("input column '" + cols.image() + "' is " + imageType.simpleString()
                    + "; expected binary (image bytes) or string (path)");
        }
        Column image = col(cols.image());
        Dataset<Row> all = table.select(
                col(cols.id()).cast("string").as("question_id"),
                lit(null).cast("int").as("line"),
                (bytes ? lit(null).cast("string") : image).as("image_path"),
                (bytes ? image : lit(null).cast("binary")).as("image_bytes"),
                withPrefix(withSuffix(col(cols.question()).cast("string"), suffix), prefix).as("question"),
                optional(names, cols.label()).as("label"),
                optional(names, cols.category()).as("category"),
                lit(null).cast("string").as("object"),
                lit(null).cast("array<double>").as("box"),
                lit(benchmark).as("benchmark"),
                lit(task).as("task"),
                lit(null).cast("array<string>").as("options"),
                lit(null).cast("array<string>").as("answers"),
                lit(null).cast("string").as("group"));
        Column ok = col("question_id").isNotNull().and(col("question").isNotNull()).and(trimmed("question"))
                .and(col("image_path").isNotNull().or(col("image_bytes").isNotNull()));
        List<Row> errors = new ArrayList<>();
        for (Row r : all.where(ok.isNull().or(org.apache.spark.sql.functions.not(ok))).select("question_id", "image_path", "image_bytes", "question").collectAsList()) {
            String missing = r.isNullAt(0) ? cols.id() : r.isNullAt(1) && r.isNullAt(2) ? cols.image() : cols.question();
            errors.add(error(r.getString(0), null, "read", "input table row without " + missing));
        }
        Dataset<Row> samples = Tables.conform(all.where(ok), Tables.SAMPLE_INPUT);
        return new SampleSource(samples, errors, table.count());
    }

    /** {@code prefix + question} unless it already starts with the prefix (as {@link PromptTemplate#ask}). */
    private static Column withPrefix(Column question, String prefix) {
        if (prefix.isEmpty()) {
            return question;
        }
        return org.apache.spark.sql.functions.when(question.startsWith(prefix), question)
                .otherwise(org.apache.spark.sql.functions.concat(lit(prefix), question));
    }

    /** {@code question + suffix} unless it already ends with the suffix (as {@link PromptTemplate#question}). */
    private static Column withSuffix(Column question, String suffix) {
        if (suffix.isBlank()) {
            return question;
        }
        return org.apache.spark.sql.functions.when(question.isNull(), question)
                .when(org.apache.spark.sql.functions.trim(question).endsWith(suffix.strip()), question)
                .otherwise(org.apache.spark.sql.functions.concat(question, lit(suffix)));
    }

    private static scala.collection.immutable.Seq<String> seq(List<String> xs) {
        return xs.isEmpty() ? null : scala.jdk.javaapi.CollectionConverters.asScala(xs).toList();
    }

    private static Column trimmed(String c) {
        return org.apache.spark.sql.functions.length(org.apache.spark.sql.functions.trim(col(c))).gt(0);
    }

    private static Column optional(List<String> names, String c) {
        return names.contains(c) ? org.apache.spark.sql.functions.lower(col(c).cast("string")) : lit(null).cast("string");
    }

    /**
     * {@code root/relative}, normalized; a {@link SampleException} (stage {@code image}) when it leaves the
     * root, e.g. {@code ../x.jpg} or an absolute path elsewhere.
     */
    public static Path resolveImage(Path root, String relative) throws SampleException {
        Path base = root.toAbsolutePath().normalize();
        Path p = base.resolve(relative).normalize();
        if (!p.startsWith(base)) {
            throw new SampleException("image", "image path " + relative + " escapes the image root " + root);
        }
        return p;
    }

    /**
     * The runner's view of one {@link Tables#SAMPLE_INPUT} row; {@code image_path} is resolved under
     * {@code imageRoot} (relative to the working directory when {@code null}).
     */
    public static SampleInput toInput(Row r, String imageRoot) throws SampleException {
        String id = r.getAs("question_id");
        String path = r.getAs("image_path");
        String resolved = path == null ? null : resolveImage(imageRoot == null ? Path.of("") : sinkscope.data.Storage.path(imageRoot), path).toString();
        scala.collection.Seq<Double> box = r.getAs("box");
        double[] b = null;
        if (box != null) {
            b = new double[box.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = box.apply(i);
            }
        }
        return new SampleInput(id, r.getAs("line"), resolved, r.getAs("image_bytes"), r.getAs("question"),
                r.getAs("label"), r.getAs("category"), r.getAs("object"), b, r.getAs("benchmark"), r.getAs("task"), 0);
    }

    /** A read-stage {@link Tables#ERRORS} row. */
    public static Row error(String questionId, Integer line, String stage, String reason) {
        return RowFactory.create(questionId, line, stage, reason, "read");
    }

    private static String field(JsonObject o, String name, String where, boolean required) throws SampleException {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            if (required) {
                throw new SampleException("read", where + ": no " + name + (name.equals("text") ? " (line without a question)" : ""));
            }
            return null;
        }
        if (!e.isJsonPrimitive()) {
            throw new SampleException("read", where + ": field " + name + " must be a string or number");
        }
        String s = e.getAsString();
        if (required && s.isBlank()) {
            throw new SampleException("read", where + ": empty " + name + (name.equals("text") ? " (line without a question)" : ""));
        }
        return s;
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage();
    }
}
