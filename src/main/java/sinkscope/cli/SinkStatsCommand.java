package sinkscope.cli;

import org.apache.spark.sql.SparkSession;
import sinkscope.spark.Pipeline;
import sinkscope.spark.SinkStatsJob;

/** {@code sinkstats}: {@link SinkStatsJob} over the extract tables under --out; flags in {@link SparkFlags}. */
public final class SinkStatsCommand implements Main.Command {
    @Override
    public String summary() {
        return "extract tables -> sink_dimensions, sink_tokens, head_profile (Parquet)";
    }

    @Override
    public int run(Args args) throws Exception {
        Pipeline.Settings s = SparkFlags.settings(args, false);
        SparkSession spark = SparkFlags.session(args, "sinkstats");
        try {
            Pipeline.sinkstats(spark, s, System.out);
            return 0;
        } finally {
            spark.stop();
        }
    }
}
