package sinkscope.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
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
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = "each table as one CSV or JSON-lines file, for readers without Parquet")
public final class ExportCommand implements Callable<Integer> {
    @Option(names = "--in", paramLabel = "DIR", required = true, order = 1, description = "output root of a run (folder or URI)")
    String in;
    @Option(names = "--out", paramLabel = "DIR", required = true, order = 2, description = "folder to write <table>.csv or <table>.jsonl into")
    Path out;
    @Option(names = "--format", paramLabel = "csv|json", order = 3, defaultValue = "csv", description = "file format (default: ${DEFAULT-VALUE})")
    String formatName;
    @Option(names = "--tables", paramLabel = "NAME", order = 4, split = ",", description = "tables to export (default: all under --in)")
    List<String> tableNames = new ArrayList<>();
    @Option(names = "--master", paramLabel = "URL", order = 5, description = "Spark master (default: local[*])")
    String master;

    @Override
    public Integer call() throws Exception {
        Export.Format format = Export.Format.parse(formatName);
        List<String> tables = new ArrayList<>();
        for (String t : tableNames) {
            if (!t.isBlank()) {
                tables.add(t.trim());
            }
        }
        SparkSession spark = Pipeline.session("local", master, "sinkscope export");
        try {
            for (Export.Written w : Export.write(spark, in, out, format, tables)) {
                System.out.println("export: " + w.table() + " -> " + w.file() + " (" + w.rows() + " rows)");
            }
            return Main.OK;
        } finally {
            spark.stop();
        }
    }
}
