package sinkscope.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sinkscope.spark.ExtractJob;
import sinkscope.spark.Pipeline;

/** {@code extract}: {@link ExtractJob} over the input; flags in {@link SparkFlags}. Exit 1 when inputs != processed + errors. */
@Command(name = "extract", mixinStandardHelpOptions = true, sortOptions = false,
        description = "prefill with hooks per sample -> tokens, heads, dims, attention, samples, errors (Parquet)")
public final class ExtractCommand implements Callable<Integer> {
    @Mixin
    SparkFlags flags;

    @Override
    public Integer call() throws Exception {
        Pipeline.Settings s = flags.settings(true);
        s.runner().factory();
        sinkscope.spark.ErrorBudget budget = flags.errorBudget();
        SparkSession spark = flags.session("extract");
        try (sinkscope.spark.OutputLock lock = sinkscope.spark.OutputLock.acquire(s.out(), spark.sparkContext().applicationId(), System.out)) {
            sinkscope.spark.ExtractJob.Counts counts = Pipeline.extract(spark, s, Pipeline.source(spark, s), System.out);
            Pipeline.check(spark, s, counts, budget);
            return counts.balanced() ? Main.OK : Main.FAILED;
        } finally {
            spark.stop();
        }
    }
}
