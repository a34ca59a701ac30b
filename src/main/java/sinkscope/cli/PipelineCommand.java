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
        Args args = given;
        String fromRun = given.string("from-run", null);
        if (fromRun != null) {
            // the recorded flags, with the ones given now (e.g. --out) over them
            java.util.Map<String, String> recorded = new java.util.LinkedHashMap<>(RunInfo.recordedFlags(Path.of(fromRun)));
            java.util.Map<String, String> now = new java.util.LinkedHashMap<>(given.flags());
            now.remove("from-run");
            args = Args.of(recorded, new Args(now.entrySet().stream().flatMap(e -> java.util.stream.Stream.of("--" + e.getKey(), e.getValue()))
                    .toArray(String[]::new)));
            System.out.println("pipeline: re-running " + fromRun + " with " + args.flags());
        }
        java.util.Map<String, String> flags = new java.util.LinkedHashMap<>(args.flags());
        Pipeline.Settings s = SparkFlags.settings(args, true);
        s.runner().factory();
        SparkSession spark = SparkFlags.session(args, "pipeline");
        try {
            RunInfo.writeRecord(RunInfo.record(s, spark.sparkContext().master(), "pipeline", flags, spark.version()), Path.of(s.out(), RunInfo.RECORD));
            boolean balanced = Pipeline.run(spark, s, System.out);
            System.out.println("run record: " + Path.of(s.out(), RunInfo.RECORD));
            Report.Result report = Report.write(spark, s.out(), Path.of(s.out(), "report"), RunInfo.of(s, spark.sparkContext().master()));
            System.out.println("report: " + report.index());
            return balanced ? 0 : 1;
        } finally {
            spark.stop();
        }
    }
}
