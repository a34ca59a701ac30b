package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --tokens-keep}: the rows each mode keeps in {@code tokens} (fake runner), and what sinkstats does with them. */
class TokensKeepTest {
    static SparkSession spark;
    @TempDir
    static Path dir;
    static Path questions;
    static Dataset<Row> all;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    static Pipeline.Settings settings(String keep, String out, boolean resume) {
        Pipeline.Settings f = Fixture.settings(questions, dir.resolve(out), resume, 2);
        ExtractOptions e = f.extract();
        return new Pipeline.Settings(f.questions(), null, f.columns(), f.images(), f.out(), resume, 0, 2, f.runner(),
                new ExtractOptions(e.attentionLayers(), e.dimFloor(), e.summ(), e.rho(), TokensKeep.parse(keep)),
                f.configs(), null, 2, 4);
    }

    static Dataset<Row> extract(String keep, String out) {
        Pipeline.Settings s = settings(keep, out, false);
        Pipeline.extract(spark, s, sourceOf(s), QUIET);
        return spark.read().parquet(dir.resolve(out).resolve("tokens").toString());
    }

    static SampleSource sourceOf(Pipeline.Settings s) {
        try {
            return Pipeline.source(spark, s);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        spark = Fixture.session("local[2]");
        questions = Fixture.write(dir);
        all = extract("all", "all").cache();
    }

    @AfterAll
    static void stop() {
        spark.stop();
        ExecutorModels.closeAll();
    }

    @Test
    void defaultKeepsEveryRow() {
        long seqLens = spark.read().parquet(dir.resolve("all/samples").toString()).selectExpr("sum(seq_len)").first().getLong(0);
        assertEquals(FakeSampleRunner.LAYERS * seqLens, all.count(), "a row per layer and token of every sample");
        assertEquals(Fixture.GOOD, all.select("question_id").distinct().count());
        assertEquals("all\n", new OutputRoot(spark, dir.resolve("all").toString(), false).readText(TokensKeep.FILE));
    }

    @Test
    void imageSinksAndLayersKeepTheirRowsOnly() {
        assertEquals((long) Fixture.GOOD * FakeSampleRunner.LAYERS * FakeSampleRunner.GRID * FakeSampleRunner.GRID,
                extract("image", "image").count());
        Dataset<Row> sinks = extract("sinks", "sinks");
        assertEquals(all.where("is_sink").count(), sinks.count());
        assertTrue(sinks.count() > 0 && sinks.where("not is_sink").count() == 0);
        Dataset<Row> layers = extract("layers=1,3", "layers");
        assertEquals(all.where("layer in (1, 3)").count(), layers.count());
        assertEquals(List.of(1, 3), layers.select("layer").distinct().orderBy("layer").collectAsList().stream().map(r -> r.getInt(0)).toList());
    }

    @Test
    void sampleKeepsNPositionsPerSampleTheSameAtEveryLayerAndIsSeeded() {
        Dataset<Row> a = extract("sample=5@7", "sample-a").cache();
        assertEquals((long) Fixture.GOOD * FakeSampleRunner.LAYERS * 5, a.count());
        assertEquals((long) Fixture.GOOD * 5, a.select("question_id", "position").distinct().count(), "same positions at every layer");
        Dataset<Row> b = extract("sample=5@7", "sample-b");
        assertEquals(0, a.select("question_id", "layer", "position").except(b.select("question_id", "layer", "position")).count(), "seeded");
        Dataset<Row> c = extract("sample=5@8", "sample-c");
        assertTrue(a.select("question_id", "position").except(c.select("question_id", "position")).count() > 0, "another seed, other positions");
    }

    @Test
    void sinkstatsComputesSinkTokensOnlyFromRowsThatCanGiveThem() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Pipeline.Settings sinks = settings("sinks", "stats-sinks", false);
        Pipeline.extract(spark, sinks, sourceOf(sinks), QUIET);
        Pipeline.sinkstats(spark, sinks, log);
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("sink_tokens not computed (left empty): it needs every image token"), buf.toString());
        assertEquals(0, new OutputRoot(spark, sinks.out(), false).rows("sink_tokens"));

        Pipeline.Settings image = settings("image", "stats-image", false);
        Pipeline.extract(spark, image, sourceOf(image), QUIET);
        Pipeline.sinkstats(spark, image, QUIET);
        Pipeline.Settings full = settings("all", "all", false);
        Pipeline.sinkstats(spark, full, QUIET);
        List<String> fromImage = Fixture.sorted(spark, Path.of(image.out()), "sink_tokens");
        assertEquals(Fixture.sorted(spark, Path.of(full.out()), "sink_tokens"), fromImage, "image rows give the same sink_tokens");
        assertEquals(FakeSampleRunner.LAYERS, fromImage.size());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pipeline.extract(spark, settings("all", "stats-image", true), sourceOf(image), QUIET));
        assertTrue(e.getMessage().contains("--tokens-keep all differs from the image"), e.getMessage());
    }

    @Test
    void badValuesNameTheForms() {
        for (String bad : List.of("some", "layers=", "layers=a", "sample=0", "sample=x@1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokensKeep.parse(bad));
            assertTrue(e.getMessage().contains("all, image, sinks, layers=a,b or sample=N@SEED"), e.getMessage());
        }
        assertEquals("layers=1,3", TokensKeep.parse("layers=3,1").toString());
        assertEquals("sample=5@0", TokensKeep.parse("sample=5").toString());
    }
}
