package sinkscope.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sinkscope.spark.Pipeline;
import sinkscope.spark.SinkStatsJob;

/** {@code sinkstats}: {@link SinkStatsJob} over the extract tables under --out; flags in {@link SparkFlags}. */
@Command(name = "sinkstats", mixinStandardHelpOptions = true, sortOptions = false,
        description = "extract tables -> sink_dimensions, sink_tokens, head_profile (Parquet)")
public final class SinkStatsCommand implements Callable<Integer> {
    @Mixin
    SparkFlags flags;

    @Override
    public Integer call() throws Exception {
        Pipeline.Settings s = flags.settings(false);
        SparkSession spark = flags.session("sinkstats");
        try {
            Pipeline.sinkstats(spark, s, System.out);
            return Main.OK;
        } finally {
            spark.stop();
        }
    }
}
