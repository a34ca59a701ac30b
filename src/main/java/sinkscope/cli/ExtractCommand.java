package sinkscope.cli;

import org.apache.spark.sql.SparkSession;
import sinkscope.spark.ExtractJob;
import sinkscope.spark.Pipeline;

/** {@code extract}: {@link ExtractJob} over the input; flags in {@link SparkFlags}. */
public final class ExtractCommand implements Main.Command {
    @Override
    public String summary() {
        return "prefill with hooks per sample -> tokens, heads, dims, attention, samples, errors (Parquet)";
    }

    @Override
    public int run(Args args) throws Exception {
        Pipeline.Settings s = SparkFlags.settings(args, true);
        s.runner().factory();
        sinkscope.spark.ErrorBudget budget = SparkFlags.errorBudget(args);
        SparkSession spark = SparkFlags.session(args, "extract");
        try (sinkscope.spark.OutputLock lock = sinkscope.spark.OutputLock.acquire(s.out(), spark.sparkContext().applicationId(), System.out)) {
            sinkscope.spark.ExtractJob.Counts counts = Pipeline.extract(spark, s, Pipeline.source(spark, s), System.out);
            Pipeline.check(spark, s, counts, budget);
            return counts.balanced() ? 0 : 1;
        } finally {
            spark.stop();
        }
    }
}
