package sinkscope.cli;

import org.apache.spark.sql.SparkSession;
import sinkscope.spark.EvaluateJob;
import sinkscope.spark.Pipeline;

/** {@code evaluate}: {@link EvaluateJob} under each of --configs; flags in {@link SparkFlags}. */
public final class EvaluateCommand implements Main.Command {
    @Override
    public String summary() {
        return "generation under baseline/VAR/ablation configs -> predictions, metrics, grounding (Parquet)";
    }

    @Override
    public int run(Args args) throws Exception {
        Pipeline.Settings s = SparkFlags.settings(args, true);
        s.runner().factory();
        SparkSession spark = SparkFlags.session(args, "evaluate");
        try {
            sinkscope.spark.SampleSource source = Pipeline.source(spark, s);
            Pipeline.writeReadErrors(spark, s, source);
            return Pipeline.evaluate(spark, s, source, System.out).balanced() ? 0 : 1;
        } finally {
            spark.stop();
        }
    }
}
