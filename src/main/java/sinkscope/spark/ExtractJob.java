package sinkscope.spark;

import static org.apache.spark.sql.functions.col;
import java.io.PrintStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code extract} job: runs {@link ExtractStage} over the samples not yet in the output and writes
 * {@code tokens}, {@code heads}, {@code dims}, {@code attention}, {@code samples} and {@code errors}
 * (jobs {@code read} and {@code extract}). The model runs once per sample: the stage's output is persisted
 * and split into the tables from there, one Spark job per table (the first one runs the model).
 *
 * <p>Invariant, checked after writing: inputs = {@code samples} rows + {@code errors} rows of jobs read and
 * extract, the rows as the tables' Parquet footers count them ({@link OutputRoot#rows}). With resume, samples
 * already in {@code samples} or in the extract errors are skipped.
 */
public final class ExtractJob {
    private ExtractJob() {}

    /** Counts after the job: inputs, samples processed (in the table), error rows (read + extract). */
    public record Counts(long inputs, long processed, long errors) {
        public boolean balanced() {
            return inputs == processed + errors;
        }
    }

    public static Counts run(SparkSession spark, SampleSource source, OutputRoot out, ExtractStage stage, PrintStream log) {
        TokensKeep keep = stage.options().tokensKeep();
        if (out.resume() && out.exists("tokens") && !TokensKeep.recorded(out).equals(keep)) {
            throw new IllegalArgumentException("--tokens-keep " + keep + " differs from the " + TokensKeep.recorded(out) + " that "
                    + out.path("tokens") + " was written with; resume with the same value or give another --out");
        }
        Dataset<Row> todo = source.samples();
        if (out.resume()) {
            Dataset<Row> done = out.read("samples", Tables.SAMPLES).select("question_id")
                    .union(out.errors("extract").select("question_id")).distinct();
            todo = todo.join(done, todo.col("question_id").equalTo(done.col("question_id")), "left_anti");
        }
        long pending = out.resume() ? todo.count() : source.sampleCount();
        Dataset<Row> extracted;
        Dataset<Row> ok;
        try (Progress progress = new Progress(spark, "extract", pending, 5000, log)) {
            extracted = stage.setProgress(progress.counter()).transform(todo).persist(StageCache.level(spark));
            ok = extracted.where(col("error_stage").isNull());
            // the first write runs the model once per sample and fills the cache the other tables are read from
            out.write("tokens", keep.apply(ok.selectExpr("question_id", "inline(tokens)")), Tables.TOKENS, "question_id");
        }
        out.writeText(TokensKeep.FILE, keep + "\n");
        out.write("heads", ok.selectExpr("question_id", "inline(heads)"), Tables.HEADS, "question_id");
        out.write("dims", ok.selectExpr("question_id", "inline(dims)"), Tables.DIMS, "question_id");
        out.write("attention", ok.selectExpr("question_id", "inline(attention)"), Tables.ATTENTION, "question_id");
        out.writeErrors("read", spark.createDataFrame(source.errors(), Tables.ERRORS));
        out.writeErrors("extract", extracted.where(col("error_stage").isNotNull())
                .selectExpr("question_id", "line", "error_stage as stage", "error_reason as reason"));
        // written last: a sample counts as done once it is here (resume), so the tables above are complete for it
        out.write("samples", ok, Tables.SAMPLES, "question_id");
        extracted.unpersist();

        // what the tables hold, from their Parquet footers
        Counts counts = new Counts(source.total(), out.rows("samples"), out.rows("errors/job=read") + out.rows("errors/job=extract"));
        log.printf("extract: %d inputs = %d processed + %d errors%s%n", counts.inputs(), counts.processed(),
                counts.errors(), counts.balanced() ? "" : " -- MISMATCH");
        return counts;
    }
}
