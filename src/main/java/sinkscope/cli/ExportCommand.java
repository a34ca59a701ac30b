package sinkscope.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import sinkscope.report.Export;
import sinkscope.spark.Pipeline;

/**
 * {@code export --in OUTPUT_ROOT --out DIR [--format csv|json] [--tables a,b] [--master M]}: each table as one
 * CSV or JSON-lines file ({@link Export}), for readers without Parquet.
 */
public final class ExportCommand implements Main.Command {
    @Override
    public String summary() {
        return "each table as one CSV or JSON-lines file (--in OUT --out DIR [--format csv|json])";
    }

    @Override
    public int run(Args args) throws Exception {
        String in = args.required("in");
        Path out = args.path("out");
        Export.Format format = Export.Format.parse(args.string("format", "csv"));
        List<String> tables = new ArrayList<>();
        for (String t : args.string("tables", "").split(",")) {
            if (!t.isBlank()) {
                tables.add(t.trim());
            }
        }
        String master = args.string("master", null);
        args.requireAllUsed();
        SparkSession spark = Pipeline.session("local", master, "sinkscope export");
        try {
            for (Export.Written w : Export.write(spark, in, out, format, tables)) {
                System.out.println("export: " + w.table() + " -> " + w.file() + " (" + w.rows() + " rows)");
            }
            return 0;
        } finally {
            spark.stop();
        }
    }
}
