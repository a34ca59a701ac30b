package sinkscope.report;

import static org.apache.spark.sql.functions.base64;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.to_json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import sinkscope.spark.OutputRoot;
import sinkscope.spark.Tables;

/**
 * Each table of an output root as one file for readers without Parquet (e.g. pandas without pyarrow):
 * {@code <table>.csv} (RFC 4180, header row, empty cell = null, arrays and structs as JSON text, binary as
 * base64) or {@code <table>.jsonl} (one JSON object per row, as Spark's {@code toJSON}, nulls left out), plus
 * {@code columns.csv} (table, column, type, description from the column comments). Partition columns (the
 * {@code job} of {@code errors}) are ordinary columns. Every Parquet folder of the root is exported: the known
 * tables of {@link Tables} first, then any other.
 */
public final class Export {
    private Export() {}

    /** The pipeline's tables in export order, with the schemas their column descriptions come from. */
    public static final Map<String, StructType> KNOWN = knownTables();

    public enum Format {
        CSV("csv"), JSON("jsonl");

        public final String extension;

        Format(String extension) {
            this.extension = extension;
        }

        public static Format parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "csv" -> CSV;
                case "json", "jsonl" -> JSON;
                default -> throw new IllegalArgumentException("--format " + s + ": use csv or json");
            };
        }
    }

    /** One exported table. */
    public record Written(String table, Path file, long rows) {}

    /**
     * Exports {@code tables} (empty = every table of the root) of the output root {@code in} into {@code out};
     * a named table that is not there is an error naming it.
     */
    public static List<Written> write(SparkSession spark, String in, Path out, Format format, List<String> tables) throws IOException {
        OutputRoot root = new OutputRoot(spark, in, false);
        List<String> names = tables.isEmpty() ? discover(spark, root) : tables;
        if (names.isEmpty()) {
            throw new IllegalArgumentException("--in " + in + ": no Parquet tables there");
        }
        Files.createDirectories(out);
        List<Written> written = new ArrayList<>();
        List<String[]> columns = new ArrayList<>();
        for (String t : names) {
            if (!root.exists(t)) {
                throw new IllegalArgumentException("--tables: no table " + t + " under " + in);
            }
            Dataset<Row> d = spark.read().parquet(root.path(t));
            StructType known = KNOWN.get(t);
            for (StructField f : d.schema().fields()) {
                String comment = f.getComment().isDefined() ? f.getComment().get()
                        : known != null && List.of(known.fieldNames()).contains(f.name()) && known.apply(f.name()).getComment().isDefined()
                        ? known.apply(f.name()).getComment().get() : "";
                columns.add(new String[] {t, f.name(), f.dataType().simpleString(), comment});
            }
            Path file = out.resolve(t + "." + format.extension);
            long rows = format == Format.CSV ? csv(d, file) : json(d, file);
            written.add(new Written(t, file, rows));
        }
        try (BufferedWriter w = Files.newBufferedWriter(out.resolve("columns.csv"), StandardCharsets.UTF_8)) {
            line(w, new String[] {"table", "column", "type", "description"});
            for (String[] c : columns) {
                line(w, c);
            }
        }
        return written;
    }

    /** The known tables present under the root, then the other folders holding Parquet files, by name. */
    static List<String> discover(SparkSession spark, OutputRoot root) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        for (String t : KNOWN.keySet()) {
            if (root.exists(t)) {
                names.add(t);
            }
        }
        org.apache.hadoop.fs.Path base = new org.apache.hadoop.fs.Path(root.root());
        FileSystem fs = base.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (fs.exists(base)) {
            List<String> others = new ArrayList<>();
            for (FileStatus s : fs.listStatus(base)) {
                String name = s.getPath().getName();
                if (s.isDirectory() && !names.contains(name) && holdsParquet(fs, s.getPath())) {
                    others.add(name);
                }
            }
            others.sort(null);
            names.addAll(others);
        }
        return List.copyOf(names);
    }

    private static boolean holdsParquet(FileSystem fs, org.apache.hadoop.fs.Path dir) throws IOException {
        var files = fs.listFiles(dir, true);
        while (files.hasNext()) {
            if (files.next().getPath().getName().endsWith(".parquet")) {
                return true;
            }
        }
        return false;
    }

    private static long csv(Dataset<Row> d, Path file) throws IOException {
        StructField[] fields = d.schema().fields();
        Column[] cells = new Column[fields.length];
        for (int i = 0; i < fields.length; i++) {
            StructField f = fields[i];
            Column c = col(f.name());
            if (f.dataType() instanceof ArrayType || f.dataType() instanceof StructType || f.dataType() instanceof MapType) {
                c = to_json(c);
            } else if (f.dataType() instanceof BinaryType) {
                c = base64(c);
            } else {
                c = c.cast("string");
            }
            cells[i] = c.as(f.name());
        }
        long rows = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            line(w, d.columns());
            Iterator<Row> it = d.select(cells).toLocalIterator();
            String[] values = new String[fields.length];
            while (it.hasNext()) {
                Row r = it.next();
                for (int i = 0; i < values.length; i++) {
                    values[i] = r.isNullAt(i) ? null : r.getString(i);
                }
                line(w, values);
                rows++;
            }
        }
        return rows;
    }

    private static long json(Dataset<Row> d, Path file) throws IOException {
        long rows = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            Iterator<String> it = d.toJSON().toLocalIterator();
            while (it.hasNext()) {
                w.write(it.next());
                w.write('\n');
                rows++;
            }
        }
        return rows;
    }

    /** One CSV record: fields quoted when they hold a comma, quote, CR or LF; null = empty. */
    static void line(BufferedWriter w, String[] values) throws IOException {
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                w.write(',');
            }
            String v = values[i];
            if (v == null) {
                continue;
            }
            if (v.isEmpty() || v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
                w.write('"');
                w.write(v.replace("\"", "\"\""));
                w.write('"');
            } else {
                w.write(v);
            }
        }
        w.write('\n');
    }

    private static Map<String, StructType> knownTables() {
        Map<String, StructType> m = new java.util.LinkedHashMap<>();
        m.put("samples", Tables.SAMPLES);
        m.put("tokens", Tables.TOKENS);
        m.put("heads", Tables.HEADS);
        m.put("dims", Tables.DIMS);
        m.put("attention", Tables.ATTENTION);
        m.put("errors", Tables.ERRORS);
        m.put("sink_dimensions", Tables.SINK_DIMENSIONS);
        m.put("sink_tokens", Tables.SINK_TOKENS);
        m.put("head_profile", Tables.HEAD_PROFILE);
        m.put("predictions", Tables.PREDICTIONS);
        m.put("metrics", Tables.METRICS);
        m.put("benchmark_metrics", Tables.BENCHMARK_METRICS);
        m.put("significance", Tables.SIGNIFICANCE);
        m.put("grounding", Tables.GROUNDING);
        m.put("attention_by_config", Tables.ATTENTION_BY_CONFIG);
        return java.util.Collections.unmodifiableMap(m);
    }
}
