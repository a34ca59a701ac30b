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
        SparkSession spark = SparkFlags.session(args, "extract");
        try {
            return Pipeline.extract(spark, s, Pipeline.source(spark, s), System.out).balanced() ? 0 : 1;
        } finally {
            spark.stop();
        }
    }
}
