package sinkscope.cli;

import org.apache.spark.sql.SparkSession;
import sinkscope.spark.EvaluateJob;
import sinkscope.spark.Pipeline;

/**
 * {@code evaluate}: {@link EvaluateJob} under each of --configs, with the run record {@code OUT/run.json} beside the tables
 * ({@code evaluate --from-run OUT/run.json --out OTHER} re-runs it); flags in {@link SparkFlags}.
 */
public final class EvaluateCommand implements Main.Command {
    @Override
    public String summary() {
        return "generation under baseline/VAR/ablation configs -> predictions, metrics, grounding (Parquet)";
    }

    @Override
    public int run(Args given) throws Exception {
        Args args = SparkFlags.fromRun(given, "evaluate");
        Pipeline.Settings s = SparkFlags.settings(args, true);
        s.runner().factory();
        sinkscope.spark.ErrorBudget budget = SparkFlags.errorBudget(args);
        SparkSession spark = SparkFlags.session(args, "evaluate");
        try (sinkscope.spark.OutputLock lock = sinkscope.spark.OutputLock.acquire(s.out(), spark.sparkContext().applicationId(), System.out)) {
            java.nio.file.Path record = SparkFlags.writeRecord(s, spark, "evaluate", args);
            sinkscope.spark.SampleSource source = Pipeline.source(spark, s);
            Pipeline.writeReadErrors(spark, s, source);
            sinkscope.spark.EvaluateJob.Counts counts = Pipeline.evaluate(spark, s, source, System.out);
            Pipeline.check(spark, s, counts, budget);
            boolean balanced = counts.balanced();
            System.out.println("run record: " + record);
            return balanced ? 0 : 1;
        } finally {
            spark.stop();
        }
    }
}
