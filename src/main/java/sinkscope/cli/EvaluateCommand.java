package sinkscope.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sinkscope.spark.EvaluateJob;
import sinkscope.spark.Pipeline;

/**
 * {@code evaluate}: {@link EvaluateJob} under each of --configs, with the run record {@code OUT/run.json} beside the tables
 * ({@code evaluate --from-run OUT/run.json --out OTHER} re-runs it); flags in {@link SparkFlags}. Exit 1 when the inputs
 * do not balance (inputs = predictions + errors).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "generation under baseline/VAR/ablation configs -> predictions, metrics, grounding (Parquet)")
public final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    FromRun record;
    @Mixin
    SparkFlags given;

    @Override
    public Integer call() throws Exception {
        Map<String, String> flags = record.flags();
        SparkFlags flagsNow = record.spark(given, flags);
        Pipeline.Settings s = flagsNow.settings(true);
        s.runner().factory();
        sinkscope.spark.ErrorBudget budget = flagsNow.errorBudget();
        SparkSession spark = flagsNow.session("evaluate");
        try (sinkscope.spark.OutputLock lock = sinkscope.spark.OutputLock.acquire(s.out(), spark.sparkContext().applicationId(), System.out)) {
            java.nio.file.Path file = record.writeRecord(s, spark, flags);
            sinkscope.spark.SampleSource source = Pipeline.source(spark, s);
            Pipeline.writeReadErrors(spark, s, source);
            sinkscope.spark.EvaluateJob.Counts counts = Pipeline.evaluate(spark, s, source, System.out);
            Pipeline.check(spark, s, counts, budget);
            boolean balanced = counts.balanced();
            System.out.println("run record: " + file);
            return balanced ? Main.OK : Main.FAILED;
        } finally {
            spark.stop();
        }
    }
}
