package sinkscope.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sinkscope.report.Report;
import sinkscope.report.RunInfo;
import sinkscope.spark.Pipeline;

/**
 * {@code pipeline}: extract, sinkstats and evaluate in one Spark application ({@link Pipeline}), then the HTML
 * report ({@link Report}) in {@code OUT/report}; the run record {@code OUT/run.json} as evaluate's. Exit 1 when a
 * stage's inputs do not balance.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, sortOptions = false,
        description = "extract + sinkstats + evaluate in one Spark application (the main job), then the report")
public final class PipelineCommand implements Callable<Integer> {
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
        SparkSession spark = flagsNow.session("pipeline");
        try (sinkscope.spark.OutputLock lock = sinkscope.spark.OutputLock.acquire(s.out(), spark.sparkContext().applicationId(), System.out)) {
            Path file = record.writeRecord(s, spark, flags);
            boolean balanced = Pipeline.run(spark, s, budget, System.out);
            System.out.println("run record: " + file);
            Report.Result report = Report.write(spark, s.out(), sinkscope.data.Storage.path(s.out()).resolve("report"), RunInfo.of(s, spark.sparkContext().master()));
            System.out.println("report: " + report.index());
            return balanced ? Main.OK : Main.FAILED;
        } finally {
            spark.stop();
        }
    }
}
