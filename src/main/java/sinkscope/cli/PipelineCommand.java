package sinkscope.cli;

import org.apache.spark.sql.SparkSession;
import sinkscope.spark.Pipeline;

/** {@code pipeline}: extract, sinkstats and evaluate in one Spark application ({@link Pipeline}). */
public final class PipelineCommand implements Main.Command {
    @Override
    public String summary() {
        return "extract + sinkstats + evaluate in one Spark application (the main job)";
    }

    @Override
    public int run(Args args) throws Exception {
        Pipeline.Settings s = SparkFlags.settings(args, true);
        s.runner().factory();
        SparkSession spark = SparkFlags.session(args, "pipeline");
        try {
            return Pipeline.run(spark, s, System.out) ? 0 : 1;
        } finally {
            spark.stop();
        }
    }
}
