package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.Golden;
import sinkscope.cli.Main;

/**
 * {@code pipeline --model} on the InternVL golden checkpoints (internvl-tiny-a, internvl3_5-tiny-a): a synthetic POPE benchmark (tiled images: several tiles and
 * a thumbnail per image) through extract, sinkstats, evaluate (baseline and VAR) and the report; every table is
 * written, the attention table holds one row per tile panel and the thumbnail, and the report exists.
 */
class InternVlPipelineTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("sinkscope.model.internvl.InternVlGoldenTest#cases")
    void pipelineWritesEveryTableAndTheReport(Path golden) throws Exception {
        Path synth = tmp.resolve("synth");
        assertEquals(0, Main.run("synth", "--out", synth.toString(), "--images", "2", "--seed", "5"));
        List<String> pope = Files.readAllLines(synth.resolve("eval/benchmarks.jsonl"), StandardCharsets.UTF_8).stream()
                .filter(l -> JsonParser.parseString(l).getAsJsonObject().get("benchmark").getAsString().equals("pope")).limit(4).toList();
        Path questions = tmp.resolve("questions.jsonl");
        Files.write(questions, pope, StandardCharsets.UTF_8);
        Path out = tmp.resolve("out");
        assertEquals(0, Main.run("pipeline", "--questions", questions.toString(), "--images", synth.resolve("images").toString(), "--model",
                Golden.internVlCheckpoint(golden).toString(), "--out", out.toString(), "--sink-dims", "2,5", "--tau", "1.5", "--master", "local[1]",
                "--partitions", "1", "--configs", "baseline,var", "--attention-layers", "2", "--max-new-tokens", "2"));
        for (String t : new String[] {"tokens", "heads", "dims", "attention", "samples", "errors", "sink_dimensions", "sink_tokens", "head_profile",
                "predictions", "metrics", "benchmark_metrics", "significance"}) {
            assertTrue(Files.isDirectory(out.resolve(t)), "table " + t + " written");
        }
        assertTrue(Files.isRegularFile(out.resolve("report/index.html")), "report written");
        SparkSession spark = SparkSession.builder().master("local[1]").getOrCreate();
        Dataset<Row> samples = spark.read().parquet(out.resolve("samples").toString());
        assertEquals(pope.size(), samples.count(), "one samples row per question");
        Dataset<Row> predictions = spark.read().parquet(out.resolve("predictions").toString());
        assertEquals(2L * pope.size(), predictions.count(), "baseline and VAR per question");
        // every attention row is one tile panel, the thumbnail or the single tile: grid 1x1 per tile of (G/2)^2 = 3x3 tokens
        Dataset<Row> attention = spark.read().parquet(out.resolve("attention").toString());
        assertTrue(attention.count() > 0);
        assertEquals(0, attention.filter("grid_rows != 3 or grid_cols != 3").count(), "3x3 tokens per panel");
        assertEquals(0, spark.read().parquet(out.resolve("errors").toString()).count(), "no errors");
    }
}
