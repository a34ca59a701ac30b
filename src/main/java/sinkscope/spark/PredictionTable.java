package sinkscope.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import sinkscope.data.PredictionReader.Prediction;

/** A run's {@code predictions} table read back as predictions of one benchmark (a table without the column: all its rows). */
public final class PredictionTable {

    private PredictionTable() {}

    /**
     * {@code path}: the table's folder or the run's output root; {@code master}: Spark's, {@code local[1]} by default. A folder
     * without Parquet files is an error naming the formats {@code score} reads.
     */
    public static List<Prediction> read(Path path, String benchmark, String master) throws java.io.IOException {
        Path table = Files.isDirectory(path.resolve("predictions")) ? path.resolve("predictions") : path;
        try (var files = Files.list(table)) {
            if (files.noneMatch(f -> f.getFileName().toString().endsWith(".parquet"))) {
                throw new IllegalArgumentException(path + " is no predictions table (no .parquet files) nor a run's output root; score reads "
                        + sinkscope.benchmark.ScoreRun.PREDICTION_FORMATS);
            }
        }
        SparkSession spark = Pipeline.session("local", master == null ? "local[1]" : master, "sinkscope score");
        try {
            List<Prediction> out = new ArrayList<>();
            Dataset<Row> d = spark.read().parquet(table.toString());
            if (List.of(d.columns()).contains("benchmark")) {
                d = d.where(functions.col("benchmark").equalTo(benchmark));
            }
            int n = 0;
            for (Row row : d.select("question_id", "answer", "config", "category", "label").collectAsList()) {
                out.add(new Prediction(row.getString(0), row.isNullAt(1) ? "" : row.getString(1), null, 0, row.getString(2), row.getString(3),
                        row.getString(4), ++n));
            }
            return out;
        } finally {
            spark.stop();
        }
    }
}
