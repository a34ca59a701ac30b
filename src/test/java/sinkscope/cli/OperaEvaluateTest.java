package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.spark.ExecutorModels;

/**
 * {@code evaluate --configs baseline,opera} on the bundled model and the embedded synthetic benchmark: OPERA runs
 * through the registry like any config and writes a prediction for every question baseline answers, no error rows.
 */
class OperaEvaluateTest {
    @TempDir
    Path dir;

    @Test
    void operaWritesAPredictionPerQuestion() throws Exception {
        ExecutorModels.closeAll();
        Path out = dir.resolve("out");
        assertEquals(0, Main.run("evaluate", "--out", out.toString(), "--configs", "baseline,opera", "--master", "local[1]",
                "--synthetic-images", "2", "--limit", "4", "--max-new-tokens", "4", "--resamples", "20"));
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            Dataset<Row> p = spark.read().parquet(out.resolve("predictions").toString());
            List<String> baseline = p.where("config = 'baseline'").select("question_id").orderBy("question_id").as(org.apache.spark.sql.Encoders.STRING())
                    .collectAsList();
            List<String> opera = p.where("config = 'opera'").select("question_id").orderBy("question_id")
                    .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
            assertEquals(4, baseline.size(), "--limit 4 questions");
            assertEquals(baseline, opera, "one OPERA prediction per question");
            assertEquals(0, p.where("config = 'opera' and answer is null").count());
            if (Files.exists(out.resolve("errors"))) {
                assertEquals(0, spark.read().parquet(out.resolve("errors").toString()).count(), "no error rows");
            }
        } finally {
            spark.stop();
            ExecutorModels.closeAll();
        }
    }
}
