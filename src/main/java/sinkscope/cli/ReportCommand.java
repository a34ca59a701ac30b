package sinkscope.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import sinkscope.report.Report;
import sinkscope.report.RunInfo;
import sinkscope.spark.Pipeline;

/** {@code report --in OUTPUT_ROOT [--out DIR] [--master M]}: the HTML report over a pipeline's tables ({@link Report}). */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false, description = "HTML report with charts over an output root")
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--in", paramLabel = "DIR", required = true, order = 1, description = "output root of a run")
    String in;
    @Option(names = "--out", paramLabel = "DIR", order = 2, description = "folder of index.html and charts/ (default: <--in>/report)")
    Path reportDir;
    @Option(names = "--master", paramLabel = "URL", order = 3, description = "Spark master (default: local[*])")
    String master;

    @Override
    public Integer call() throws Exception {
        Path out = reportDir != null ? reportDir : sinkscope.data.Storage.path(in).resolve("report");
        SparkSession spark = Pipeline.session("local", master, "sinkscope report");
        try {
            Report.Result r = Report.write(spark, in, out, RunInfo.none());
            System.out.println("report: " + r.index() + " (" + r.charts().size() + " charts)");
            return Main.OK;
        } finally {
            spark.stop();
        }
    }
}
