package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jobs end to end on local[2] with the fake runner: error rows, invariants, aggregates, resume. */
class SparkJobsTest {
    static SparkSession spark;
    @TempDir
    static Path dir;
    static Path questions;
    static Path out;
    static String log;

    @BeforeAll
    static void run() throws Exception {
        ExecutorModels.closeAll();
        FakeRunnerFactory.CREATED.set(0);
        spark = Fixture.session("local[2]");
        questions = Fixture.write(dir);
        out = dir.resolve("out");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            assertTrue(Pipeline.run(spark, Fixture.settings(questions, out, false, 3), ps));
        }
        log = buf.toString(StandardCharsets.UTF_8);
    }

    @AfterAll
    static void stop() {
        spark.stop();
        ExecutorModels.closeAll();
    }

    static Dataset<Row> table(String name) {
        return spark.read().parquet(out.resolve(name).toString());
    }

    @Test
    void everyBadInputIsAnErrorRowAndTheInvariantHolds() {
        Map<Integer, String> seen = new HashMap<>();
        for (Row r : table("errors").where("job <> 'evaluate'").collectAsList()) {
            seen.put(r.getAs("line"), r.getAs("stage") + ":" + r.getAs("reason"));
        }
        assertEquals(Fixture.BAD_LINES.keySet(), seen.keySet(), "error lines: " + seen);
        for (Map.Entry<Integer, String> e : Fixture.BAD_LINES.entrySet()) {
            String[] want = e.getValue().split(":");
            String got = seen.get(e.getKey());
            assertTrue(got.startsWith(want[0] + ":") && got.contains(want[1]), "line " + e.getKey() + ": " + got);
        }
        assertTrue(seen.get(14).contains("questions.jsonl line 14"), seen.get(14));
        assertEquals(Fixture.GOOD, table("samples").count());
        assertTrue(log.contains("extract: 19 inputs = 12 processed + 7 errors\n"), log);
        // 15 samples reach evaluate (12 good + 3 bad images) x 3 configs
        assertTrue(log.contains("evaluate: 45 runs (3 configs) = 36 predictions + 9 errors\n"), log);
        assertEquals(9, table("errors").where("job = 'evaluate' and stage like '%/image'").count());
        assertTrue(log.contains("extract: 15/15 samples ("), log);
    }

    @Test
    void extractTablesHaveOneRowPerSampleLayerTokenAndNoDuplicates() {
        long tokens = 0;
        for (Row r : table("samples").collectAsList()) {
            tokens += (long) FakeSampleRunner.LAYERS * (Integer) r.getAs("seq_len");
        }
        assertEquals(tokens, table("tokens").count());
        assertEquals(tokens, table("tokens").select("question_id", "layer", "position").distinct().count());
        assertEquals(Fixture.GOOD * FakeSampleRunner.LAYERS * FakeSampleRunner.HEADS * 2L, table("heads").count());
        assertEquals(Fixture.GOOD, table("attention").where("layer = 3 and grid_rows = 4 and grid_cols = 4 and size(weights) = 16").count());
        assertEquals(36, table("predictions").select("question_id", "config").distinct().count());
        assertEquals(36L * FakeSampleRunner.LAYERS, table("grounding").count());
    }

    @Test
    void theSummarysGroundingIsTheMeanObjectShareOfEachConfigAndSplit() {
        // the printed table: config, split, n, accuracy, f1, yes_ratio, grounding
        Map<String, Double> printed = new HashMap<>();
        boolean pope = false;
        for (String line : log.split("\n")) {
            if (line.equals("pope")) {
                pope = true;
            } else if (pope && line.isBlank()) {
                break;
            } else if (pope && !line.startsWith("config")) {
                String[] f = line.trim().split("\\s+");
                printed.put(f[0] + "/" + f[1], f[6].equals("-") ? null : Double.valueOf(f[6]));
            }
        }
        Dataset<Row> joined = table("grounding").join(table("predictions").select("question_id", "config", "category"),
                new String[] {"question_id", "config"});
        int checked = 0;
        for (Row r : joined.groupBy("config", "category").avg("object_share").collectAsList()) {
            String key = r.getString(0) + "/" + r.getString(1);
            if (printed.containsKey(key) && !r.isNullAt(2)) {
                assertEquals(r.getDouble(2), printed.get(key), 5e-4, key);
                checked++;
            }
        }
        for (Row r : joined.groupBy("config").avg("object_share").collectAsList()) {
            if (!r.isNullAt(1)) {
                assertEquals(r.getDouble(1), printed.get(r.getString(0) + "/all"), 5e-4, r.getString(0) + "/all");
                checked++;
            }
        }
        assertEquals(12, checked, "rows checked (3 configs x 4 splits incl. all): " + printed);
    }

    @Test
    void runnerIsLoadedOncePerJvmAndDevice() {
        assertEquals(1, FakeRunnerFactory.CREATED.get());
    }

    @Test
    void sinkDimensionsRecommendTheMassiveDims() {
        List<Integer> dims = SinkStatsJob.recommended(table("sink_dimensions"));
        assertEquals(List.of(FakeSampleRunner.SINK_DIMS[0], FakeSampleRunner.SINK_DIMS[1]), dims);
        Row top = table("sink_dimensions").where("layer = 2 and rank = 1").first();
        assertTrue(Set.of(7, 19).contains((Integer) top.getAs("dim")));
        // frequency = count / image tokens of all samples
        long imageTokens = table("samples").selectExpr("sum(num_image_tokens)").first().getLong(0);
        double freq = top.getAs("frequency");
        assertEquals((long) top.getAs("count") / (double) imageTokens, freq, 1e-12);
    }

    @Test
    void sinkTokensCountVisualSinksPerLayer() {
        Map<Integer, long[]> expect = new HashMap<>();
        for (Row r : table("tokens").where("modality = 'image'").collectAsList()) {
            long[] e = expect.computeIfAbsent((Integer) r.getAs("layer"), k -> new long[2]);
            e[0] += (Boolean) r.getAs("is_sink") ? 1 : 0;
            e[1]++;
        }
        List<Row> rows = table("sink_tokens").collectAsList();
        assertEquals(FakeSampleRunner.LAYERS, rows.size());
        for (Row r : rows) {
            long[] e = expect.get((Integer) r.getAs("layer"));
            assertEquals(e[0] / (double) Fixture.GOOD, (Double) r.getAs("visual_sinks_per_image"), 1e-12);
            assertEquals(e[0] / (double) e[1], (Double) r.getAs("sink_share"), 1e-12);
            List<Long> hist = r.getList(r.fieldIndex("position_histogram"));
            assertEquals(4, hist.size());
            assertEquals(e[0], hist.stream().mapToLong(Long::longValue).sum());
        }
        assertEquals(0.0, table("sink_tokens").where("layer = 0").first().<Double>getAs("sink_share"));
    }

    @Test
    void headProfileIsTheFractionOfImageCentricSamples() {
        List<Row> heads = table("heads").where("layer = 1 and head = 0 and query = 'last'").collectAsList();
        double centric = heads.stream().filter(r -> r.<Boolean>getAs("image_centric")).count() / (double) heads.size();
        double meanImage = heads.stream().mapToDouble(r -> r.<Float>getAs("image_attention")).average().orElseThrow();
        Row p = table("head_profile").where("layer = 1 and head = 0 and query = 'last'").first();
        assertEquals(centric, (Double) p.getAs("image_centric_fraction"), 1e-12);
        assertEquals(meanImage, (Double) p.getAs("mean_image_attention"), 1e-9);
        assertEquals(Fixture.GOOD, (Long) p.getAs("samples"));
    }

    @Test
    void metricsFollowPopeFormulas() {
        Map<String, long[]> counts = new HashMap<>();
        for (Row r : table("predictions").collectAsList()) {
            String pred = r.getAs("pred");
            String label = r.getAs("label");
            for (String key : new String[] {r.getAs("config") + "/" + r.getAs("category"), r.getAs("config") + "/all"}) {
                long[] c = counts.computeIfAbsent(key, k -> new long[5]);
                c[0]++;
                c[1] += pred.equals("yes") && label.equals("yes") ? 1 : 0;
                c[2] += pred.equals("yes") && label.equals("no") ? 1 : 0;
                c[3] += pred.equals("no") && label.equals("no") ? 1 : 0;
                c[4] += !pred.equals("yes") && label.equals("yes") ? 1 : 0;
            }
            // correct as eval_pope.py counts it: an answer without a no-word is yes ('other' with label yes is right)
            assertEquals(sinkscope.eval.PopeAnswer.pred(r.getAs("answer")).equals(label), r.<Boolean>getAs("correct"));
        }
        assertTrue(table("predictions").where("pred = 'other'").count() > 0, "the fake's ablate_random says 'I cannot tell.'");
        List<Row> metrics = table("metrics").collectAsList();
        assertEquals(counts.keySet().size(), metrics.size());
        for (Row m : metrics) {
            long[] c = counts.get(m.getAs("config") + "/" + m.getAs("category"));
            double n = c[0], tp = c[1], fp = c[2], tn = c[3], fn = c[4];
            double precision = tp + fp == 0 ? 0 : tp / (tp + fp);
            double recall = tp + fn == 0 ? 0 : tp / (tp + fn);
            assertEquals(c[0], (Long) m.getAs("n"));
            assertEquals((tp + tn) / n, (Double) m.getAs("accuracy"), 1e-12);
            assertEquals(precision, (Double) m.getAs("precision"), 1e-12);
            assertEquals(recall, (Double) m.getAs("recall"), 1e-12);
            assertEquals(precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall), (Double) m.getAs("f1"), 1e-12);
            assertEquals((tp + fp) / n, (Double) m.getAs("yes_ratio"), 1e-12);
        }
    }

    /**
     * {@code --batch-size 4}: the stages hand the runner chunks of 4 samples (with all configs of each: evaluate's
     * rows come sorted by sample) and write the same tables as one sample at a time, error rows included.
     */
    @Test
    void batchesOfSamplesWriteTheSameTables() throws Exception {
        Path q3 = dir.resolve("q3");
        Files.createDirectories(q3);
        Path file = Fixture.write(q3);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        List<List<String>> tables = new java.util.ArrayList<>();
        for (int b : new int[] {1, 4}) {
            Path o = q3.resolve("out" + b);
            Pipeline.Settings one = Fixture.settings(file, o, false, 2);
            Pipeline.Settings s = new Pipeline.Settings(one.questions(), one.table(), one.columns(), one.images(), one.out(), false, 0, 2, one.runner(),
                    one.extract(), one.configs(), null, 2, 4, one.benchmarks(), List.of(), b);
            SampleSource source = SampleSource.jsonl(spark, file, 0);
            Pipeline.extract(spark, s, source, quiet);
            Pipeline.evaluate(spark, s, source, quiet);
            List<String> all = new java.util.ArrayList<>();
            for (String t : new String[] {"tokens", "heads", "attention", "samples", "errors", "predictions"}) {
                all.add(t + ": " + Fixture.sorted(spark, o, t));
            }
            tables.add(all);
        }
        assertEquals(tables.get(0), tables.get(1));
        assertTrue(tables.get(1).get(4).contains("image"), "the bad lines are error rows: " + tables.get(1).get(4));
    }

    @Test
    void resumeSkipsDoneSamplesAndOverwriteReplaces() throws Exception {
        Path q2 = dir.resolve("q2");
        Files.createDirectories(q2);
        Path file = Fixture.write(q2);
        Path out2 = q2.resolve("out");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Pipeline.Settings first = Fixture.settings(file, out2, false, 2);
        SampleSource source = SampleSource.jsonl(spark, file, 0);
        Pipeline.extract(spark, first, source, quiet);
        Pipeline.evaluate(spark, first, source, quiet);
        List<String> tokens = Fixture.sorted(spark, out2, "tokens");
        List<String> predictions = Fixture.sorted(spark, out2, "predictions");

        // resume with two more lines: only those two run
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(file));
        lines.add("{\"question_id\": 200, \"image\": \"img5.png\", \"text\": \"Is there a bird?\", \"label\": \"no\", \"category\": \"random\"}");
        lines.add("{\"question_id\": 201, \"image\": \"gone.png\", \"text\": \"Is there a bird?\"}");
        Files.write(file, lines);
        int before = FakeSampleRunner.EXTRACTS.get();
        Pipeline.Settings resume = Fixture.settings(file, out2, true, 2);
        SampleSource more = SampleSource.jsonl(spark, file, 0);
        ExtractJob.Counts c = Pipeline.extract(spark, resume, more, quiet);
        EvaluateJob.Counts e = Pipeline.evaluate(spark, resume, more, quiet);
        assertEquals(2, FakeSampleRunner.EXTRACTS.get() - before);
        assertEquals(new ExtractJob.Counts(21, 13, 8), c);
        assertEquals(new EvaluateJob.Counts(51, 39, 12), e);
        Set<String> resumed = new HashSet<>(Fixture.sorted(spark, out2, "tokens"));
        assertTrue(resumed.containsAll(tokens));
        assertEquals(Fixture.sorted(spark, out2, "tokens").size(), resumed.size(), "no duplicate token rows");

        // resume again with nothing new: nothing runs, nothing changes
        before = FakeSampleRunner.EXTRACTS.get();
        List<String> errors = Fixture.sorted(spark, out2, "errors");
        assertEquals(c, Pipeline.extract(spark, resume, more, quiet));
        assertEquals(e, Pipeline.evaluate(spark, resume, more, quiet));
        assertEquals(before, FakeSampleRunner.EXTRACTS.get());
        assertEquals(errors, Fixture.sorted(spark, out2, "errors"));

        // a plain re-run over the original file replaces everything
        Files.write(file, lines.subList(0, lines.size() - 2));
        SampleSource again = SampleSource.jsonl(spark, file, 0);
        Pipeline.extract(spark, first, again, quiet);
        Pipeline.evaluate(spark, first, again, quiet);
        assertEquals(tokens, Fixture.sorted(spark, out2, "tokens"));
        assertEquals(predictions, Fixture.sorted(spark, out2, "predictions"));
    }

    @Test
    void parquetTablesWithImageBytesAndOtherColumnNamesAreSamples() {
        List<Row> rows = List.of(
                org.apache.spark.sql.RowFactory.create(1L, Fixture.image(1), "Is there a cat?", "yes"),
                org.apache.spark.sql.RowFactory.create(2L, "GIF89a".getBytes(StandardCharsets.US_ASCII), "Is there a cat?", "no"),
                org.apache.spark.sql.RowFactory.create(3L, Fixture.image(3), null, "no"));
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("id", "bigint").add("jpeg", "binary").add("prompt", "string").add("answer", "string");
        String path = dir.resolve("table").toString();
        spark.createDataFrame(rows, schema).write().parquet(path);
        SampleSource source = SampleSource.table(spark.read().parquet(path),
                new SampleSource.Columns("id", "jpeg", "prompt", "answer", "category"));
        assertEquals(3, source.total());
        assertEquals(1, source.errors().size());
        assertEquals("3", source.errors().get(0).getString(0));
        assertTrue(source.errors().get(0).getString(3).contains("without prompt"), source.errors().get(0).toString());
        List<Row> out = new ExtractStage().setRunner(Fixture.spec()).transform(source.samples())
                .select("question_id", "label", "error_stage", "error_reason", "num_image_tokens").orderBy("question_id").collectAsList();
        assertEquals(2, out.size());
        assertEquals("1", out.get(0).getString(0));
        assertEquals(16, out.get(0).getInt(4));
        assertEquals("image", out.get(1).getString(2));
        assertTrue(out.get(1).getString(3).contains("not an image: question 2"), out.get(1).toString());
    }

    @Test
    void stagesCheckTheirInputSchemaFirst() {
        Dataset<Row> wrong = spark.range(3).toDF("question_id");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExtractStage().setRunner(Fixture.spec()).transform(wrong));
        assertTrue(e.getMessage().contains("column question_id is bigint, expected string"), e.getMessage());
        assertTrue(e.getMessage().contains("missing column image_path"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SinkStatsJob().headProfile(wrong));
        assertThrows(IllegalArgumentException.class, () -> EvaluateJob.metrics(wrong));
    }

    @Test
    void missingFactoryNamesTheClassAndTheFlag() {
        RunnerSpec spec = new RunnerSpec("sinkscope.spark.NoSuchFactory", null, "auto", 1, List.of(), 20, "llava_hf", 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, spec::factory);
        assertTrue(e.getMessage().contains("sinkscope.spark.NoSuchFactory") && e.getMessage().contains("--runner"), e.getMessage());
        assertFalse(FakeRunnerFactory.CREATED.get() > 1);
    }
}
