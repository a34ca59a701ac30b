package sinkscope.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * An output root: one Parquet folder per table ({@link Tables}). By default a job's write replaces the
 * table; with {@code resume} it appends only rows whose key is not in the table yet, so re-running never
 * duplicates rows. {@code errors} is partitioned by job ({@code errors/job=extract/...}) so each job replaces
 * or resumes only its own error rows.
 */
public final class OutputRoot {
    private final SparkSession spark;
    private final String root;
    private final boolean resume;

    public OutputRoot(SparkSession spark, String root, boolean resume) {
        this.spark = spark;
        this.root = root;
        this.resume = resume;
    }

    public String root() {
        return root;
    }

    public boolean resume() {
        return resume;
    }

    public String path(String table) {
        return new Path(root, table).toString();
    }

    /** Writes {@code text} (UTF-8) as the file {@code ROOT/relative}, replacing it; returns its path. */
    public String writeText(String relative, String text) {
        Path p = new Path(root, relative);
        try {
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try (java.io.OutputStream o = fs.create(p, true)) {
                o.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p, e);
        }
        return p.toString();
    }

    /** The UTF-8 text of the file {@code ROOT/relative}; null when there is none. */
    public String readText(String relative) {
        Path p = new Path(root, relative);
        try {
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(p)) {
                return null;
            }
            try (java.io.InputStream in = fs.open(p)) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    /** Whether the table's folder exists. */
    public boolean exists(String table) {
        try {
            Path p = new Path(path(table));
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            return fs.exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look at " + path(table), e);
        }
    }

    /** The table with its {@link Tables} schema; an empty one when it does not exist yet. */
    public Dataset<Row> read(String table, StructType schema) {
        if (!exists(table)) {
            return spark.createDataFrame(List.of(), schema);
        }
        return spark.read().schema(schema).parquet(path(table));
    }

    /**
     * Writes {@code rows} (conformed to {@code schema}) as {@code table}: replaces it, or with resume appends
     * the rows whose {@code keys} (null-safe) are not in it yet.
     */
    public void write(String table, Dataset<Row> rows, StructType schema, String... keys) {
        writePath(path(table), rows, schema, table, keys);
    }

    /** Replaces {@code table} with {@code rows} whatever the mode (tables derived from others, e.g. metrics). */
    public void replace(String table, Dataset<Row> rows, StructType schema) {
        Tables.conform(rows, schema).write().mode(SaveMode.Overwrite).parquet(path(table));
    }

    /** Writes a job's error rows ({@link Tables#ERRORS} without {@code job}) into {@code errors/job=<job>}. */
    public void writeErrors(String job, Dataset<Row> errors) {
        StructType schema = withoutJob();
        writePath(path("errors") + "/job=" + job, errors, schema, "errors/job=" + job,
                "question_id", "line", "stage", "reason");
    }

    /** The errors a job recorded so far. */
    public Dataset<Row> errors(String job) {
        return read("errors", Tables.ERRORS).where(new Column("job").equalTo(job));
    }

    /**
     * Rows in {@code table} (a folder under the root, e.g. {@code samples} or {@code errors/job=extract}) as its
     * Parquet files' footers state them, without a Spark job: the sum over the data files Spark reads (names not
     * starting with {@code _} or {@code .}) of their row counts; 0 when the folder does not exist.
     */
    public long rows(String table) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path dir = new Path(path(table));
        try {
            FileSystem fs = dir.getFileSystem(conf);
            dir = fs.makeQualified(dir);
            if (!fs.exists(dir)) {
                return 0;
            }
            long n = 0;
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(dir, true);
            while (files.hasNext()) {
                LocatedFileStatus f = files.next();
                if (dataFile(dir, f.getPath())) {
                    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(f, conf))) {
                        n += reader.getRecordCount();
                    }
                }
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot count the rows of " + dir, e);
        }
    }

    /** Whether no path element below {@code dir} starts with {@code _} or {@code .} (Spark's hidden files and folders). */
    private static boolean dataFile(Path dir, Path file) {
        for (Path p = file; p != null && !p.equals(dir) && p.depth() > dir.depth(); p = p.getParent()) {
            if (p.getName().startsWith("_") || p.getName().startsWith(".")) {
                return false;
            }
        }
        return true;
    }

    private void writePath(String path, Dataset<Row> rows, StructType schema, String table, String... keys) {
        Dataset<Row> data = Tables.conform(rows, schema);
        boolean existing = exists(table);
        if (resume && existing) {
            Dataset<Row> old = spark.read().schema(schema).parquet(path).select(keyCols(keys)).distinct();
            Column match = null;
            for (String k : keys) {
                Column eq = data.col(k).eqNullSafe(old.col(k));
                match = match == null ? eq : match.and(eq);
            }
            data.join(old, match, "left_anti").write().mode(SaveMode.Append).parquet(path);
        } else {
            data.write().mode(SaveMode.Overwrite).parquet(path);
        }
    }

    private static Column[] keyCols(String... keys) {
        Column[] c = new Column[keys.length];
        for (int i = 0; i < keys.length; i++) {
            c[i] = new Column(keys[i]);
        }
        return c;
    }

    private static StructType withoutJob() {
        StructType s = new StructType();
        for (StructField f : Tables.ERRORS.fields()) {
            if (!f.name().equals("job")) {
                s = s.add(f);
            }
        }
        return s;
    }
}
