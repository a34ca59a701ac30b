package sinkscope.cli;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import sinkscope.report.Report;
import sinkscope.report.RunInfo;
import sinkscope.spark.Pipeline;

/**
 * {@code pipeline}: extract, sinkstats and evaluate in one Spark application ({@link Pipeline}), then the HTML
 * report ({@link Report}) in {@code OUT/report}.
 */
public final class PipelineCommand implements Main.Command {
    @Override
    public String summary() {
        return "extract + sinkstats + evaluate in one Spark application (the main job), then the report";
    }

    @Override
    public int run(Args given) throws Exception {
        Args args = SparkFlags.fromRun(given, "pipeline");
        Pipeline.Settings s = SparkFlags.settings(args, true);
        s.runner().factory();
        sinkscope.spark.ErrorBudget budget = SparkFlags.errorBudget(args);
        SparkSession spark = SparkFlags.session(args, "pipeline");
        try (sinkscope.spark.OutputLock lock = sinkscope.spark.OutputLock.acquire(s.out(), spark.sparkContext().applicationId(), System.out)) {
            Path record = SparkFlags.writeRecord(s, spark, "pipeline", args);
            boolean balanced = Pipeline.run(spark, s, budget, System.out);
            System.out.println("run record: " + record);
            Report.Result report = Report.write(spark, s.out(), sinkscope.data.Storage.path(s.out()).resolve("report"), RunInfo.of(s, spark.sparkContext().master()));
            System.out.println("report: " + report.index());
            return balanced ? 0 : 1;
        } finally {
            spark.stop();
        }
    }
}
