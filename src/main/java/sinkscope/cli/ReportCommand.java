package sinkscope.cli;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import sinkscope.report.Report;
import sinkscope.report.RunInfo;
import sinkscope.spark.Pipeline;

/** {@code report --in OUTPUT_ROOT [--out DIR] [--master M]}: the HTML report over a pipeline's tables ({@link Report}). */
public final class ReportCommand implements Main.Command {
    @Override
    public String summary() {
        return "HTML report with charts over an output root (--in OUT [--out OUT/report])";
    }

    @Override
    public int run(Args args) throws Exception {
        String in = args.required("in");
        String outFlag = args.string("out", null);
        Path out = outFlag == null ? sinkscope.data.Storage.path(in).resolve("report") : sinkscope.data.Storage.path(outFlag);
        String master = args.string("master", null);
        args.requireAllUsed();
        SparkSession spark = Pipeline.session("local", master, "sinkscope report");
        try {
            Report.Result r = Report.write(spark, in, out, RunInfo.none());
            System.out.println("report: " + r.index() + " (" + r.charts().size() + " charts)");
            return 0;
        } finally {
            spark.stop();
        }
    }
}
