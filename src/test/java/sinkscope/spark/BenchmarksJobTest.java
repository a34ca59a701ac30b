package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.eval.Significance;

/**
 * evaluate with several benchmarks in one run, on the fake runner (its answers are fixed per question and config):
 * predictions parsed per benchmark, benchmark_metrics and significance against values worked out by hand from the
 * predictions, a VAR sweep, and error rows naming file, line and field.
 */
class BenchmarksJobTest {
    static SparkSession spark;
    @TempDir
    static Path dir;
    static Path out;
    static String log;
    static final int N = 8;
    static final List<String> CONFIGS = List.of("baseline", "var", "var_rho0.3", "var_rho0.6");

    @BeforeAll
    static void run() throws Exception {
        ExecutorModels.closeAll();
        spark = Fixture.session("local[2]");
        Path images = Files.createDirectories(dir.resolve("images"));
        List<String> lines = new ArrayList<>();
        int id = 1;
        for (int i = 0; i < N; i++) {
            Files.write(images.resolve("img" + i + ".png"), Fixture.image(i));
            lines.add(String.format("{\"question_id\": %d, \"image\": \"img%d.png\", \"text\": \"Is there a cat %d?\", \"label\": \"%s\", \"category\": \"random\"}",
                    id++, i, i, i % 2 == 0 ? "yes" : "no"));
            lines.add(String.format("{\"question_id\": %d, \"image\": \"img%d.png\", \"text\": \"Is it %d?\", \"label\": \"%s\", \"benchmark\": \"mme\", "
                    + "\"category\": \"existence\", \"group\": \"img%d\"}", id++, i / 2, i, i % 2 == 0 ? "yes" : "no", i / 2));
            lines.add(String.format("{\"question_id\": %d, \"image\": \"img%d.png\", \"text\": \"Which colour %d?\", \"label\": \"%s\", \"benchmark\": \"synth_choice\", "
                    + "\"options\": [\"red\", \"green\", \"blue\", \"orange\"], \"category\": \"%s\"}", id++, i, i, "ABCD".charAt(i % 4), i % 2 == 0 ? "color" : "shape"));
            lines.add(String.format("{\"question_id\": %d, \"image\": \"img%d.png\", \"text\": \"What colour %d?\", \"benchmark\": \"synth_vqa\", "
                    + "\"answers\": [\"red\", \"red\", \"red\", \"red\", \"blue\", \"blue\", \"blue\", \"blue\", \"blue\", \"blue\"]}", id++, i, i));
            lines.add(String.format("{\"question_id\": %d, \"image\": \"img%d.png\", \"text\": \"What is shown %d?\", \"benchmark\": \"synth_caption\", \"answers\": [\"circle\"]}",
                    id++, i, i));
        }
        lines.add("{\"question_id\": 900, \"image\": \"img0.png\", \"text\": \"Which?\", \"benchmark\": \"synth_choice\", \"options\": [\"a\", \"b\"], \"label\": \"C\"}");
        lines.add("{\"question_id\": 901, \"image\": \"img0.png\", \"text\": \"Which?\", \"benchmark\": \"my_bench\"}");
        lines.add("{\"question_id\": 902, \"image\": \"img0.png\", \"text\": \"Describe.\", \"benchmark\": \"chair\", \"answers\": [\"dog\"]}");
        Path questions = dir.resolve("mixed.jsonl");
        Files.write(questions, lines, StandardCharsets.UTF_8);
        out = dir.resolve("out");
        Pipeline.Settings s = Fixture.settings(questions, out, false, 2);
        s = new Pipeline.Settings(s.questions(), null, s.columns(), s.images(), s.out(), false, 0, 2, s.runner(), s.extract(),
                EvalConfig.parseList("baseline,var,var[rho=0.3|0.6]"), null, 2, 4, new BenchmarkOptions("pope", "llava", 24, 1024, false, null, 200, 5));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            assertTrue(Pipeline.run(spark, s, ps));
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

    static double metric(String benchmark, String config, String category, String metric) {
        List<Row> r = table("benchmark_metrics").where(String.format("benchmark = '%s' and config = '%s' and category = '%s' and metric = '%s'",
                benchmark, config, category, metric)).collectAsList();
        assertEquals(1, r.size(), benchmark + " " + config + " " + category + " " + metric);
        return r.get(0).getDouble(r.get(0).fieldIndex("value"));
    }

    static List<Row> preds(String benchmark, String config) {
        return table("predictions").where(String.format("benchmark = '%s' and config = '%s'", benchmark, config)).orderBy("question_id").collectAsList();
    }

    @Test
    void errorRowsNameFileLineAndField() {
        Map<Integer, String> errors = new HashMap<>();
        for (Row r : table("errors").collectAsList()) {
            errors.put(r.getAs("line"), r.getAs("job") + " " + r.getAs("stage") + " " + r.getAs("reason"));
        }
        int base = 5 * N;
        assertEquals("read read mixed.jsonl line " + (base + 1) + ": field 'label': 'C' is not an option letter (A-B)", errors.get(base + 1));
        assertEquals("read read mixed.jsonl line " + (base + 2) + ": unknown benchmark 'my_bench': give field 'task' (yes_no, choice, open, caption, judge)",
                errors.get(base + 2));
        // the chair line reads, but has no CHAIR vocabulary without --synonyms: one evaluate error per config
        long chair = table("errors").where("line = " + (base + 3) + " and job = 'evaluate'").count();
        assertEquals(CONFIGS.size(), chair);
        assertTrue(errors.get(base + 3).contains("/score caption benchmark 'chair' needs a CHAIR vocabulary: --synonyms FILE"), errors.get(base + 3));
        assertEquals(5L * N * CONFIGS.size(), table("predictions").count());
        assertTrue(log.contains("evaluate: " + (5 * N + 1) * CONFIGS.size() + " runs (4 configs) = " + 5 * N * CONFIGS.size() + " predictions + "
                + CONFIGS.size() + " errors"), log);
    }

    @Test
    void choiceLettersAndAccuracyFromTheAnswers() {
        Map<String, String> letter = Map.of("A", "A", "B.", "B", "(C)", "C", "D", "D");
        for (String config : CONFIGS) {
            List<Row> rows = preds("synth_choice", config);
            assertEquals(N, rows.size());
            int right = 0;
            int rightColor = 0;
            for (Row r : rows) {
                String pred = letter.get((String) r.getAs("answer"));
                assertEquals(pred, r.getAs("pred"));
                boolean ok = pred.equals(r.getAs("label"));
                assertEquals(ok, r.getAs("correct"));
                assertEquals(ok ? 1.0 : 0.0, (double) r.getAs("score"));
                right += ok ? 1 : 0;
                rightColor += ok && r.getAs("category").equals("color") ? 1 : 0;
            }
            assertEquals(right / (double) N, metric("synth_choice", config, "all", "accuracy"), 1e-12);
            assertEquals(rightColor / (N / 2.0), metric("synth_choice", config, "color", "accuracy"), 1e-12);
        }
    }

    @Test
    void vqaAccuracyAndChairFromTheAnswers() {
        // references: 4 x red, 6 x blue; min(1, matches/3) over the ten leave-one-out subsets: red and Blue. score 1, the others 0
        Map<String, Double> vqa = Map.of("red", 1.0, "Blue.", 1.0, "two", 0.0, "a square", 0.0);
        // ground truth: circle; [mentions, hallucinated] per caption
        Map<String, int[]> chair = Map.of("A red circle.", new int[] {1, 0}, "Two stars and a circle", new int[] {2, 1}, "a square", new int[] {1, 1});
        for (String config : CONFIGS) {
            double sum = 0;
            for (Row r : preds("synth_vqa", config)) {
                assertEquals(vqa.get((String) r.getAs("answer")), (double) r.getAs("score"));
                sum += vqa.get((String) r.getAs("answer"));
            }
            assertEquals(sum / N, metric("synth_vqa", config, "all", "vqa_accuracy"), 1e-12);
            int mentions = 0;
            int hallucinated = 0;
            int captionsWith = 0;
            int recalled = 0;
            for (Row r : preds("synth_caption", config)) {
                int[] c = chair.get((String) r.getAs("answer"));
                mentions += c[0];
                hallucinated += c[1];
                captionsWith += c[1] > 0 ? 1 : 0;
                recalled += r.<String>getAs("answer").contains("circle") ? 1 : 0;
                assertEquals(c[1] > 0 ? 1.0 : 0.0, (double) r.getAs("score"));
                assertNull(r.getAs("correct"));
            }
            assertEquals(captionsWith / (double) N, metric("synth_caption", config, "all", "chair_s"), 1e-12);
            assertEquals(hallucinated / (double) mentions, metric("synth_caption", config, "all", "chair_i"), 1e-12);
            assertEquals(recalled / (double) N, metric("synth_caption", config, "all", "recall"), 1e-12);
        }
    }

    @Test
    void mmeAndPopeHaveTheirOwnMetrics() {
        for (String config : CONFIGS) {
            List<Row> rows = preds("mme", config);
            Map<String, boolean[]> byImage = new HashMap<>();
            int right = 0;
            for (Row r : rows) {
                boolean ok = r.<String>getAs("answer").toLowerCase().startsWith(r.getAs("label"));
                assertEquals(ok, r.getAs("correct"));
                right += ok ? 1 : 0;
                boolean[] g = byImage.computeIfAbsent(r.getAs("group"), k -> new boolean[] {true});
                g[0] &= ok;
            }
            double acc = right / (double) N;
            double accPlus = byImage.values().stream().filter(g -> g[0]).count() / (double) byImage.size();
            assertEquals(N / 2, byImage.size());
            assertEquals(acc, metric("mme", config, "existence", "acc"), 1e-12);
            assertEquals(accPlus, metric("mme", config, "existence", "acc_plus"), 1e-12);
            assertEquals(100 * (acc + accPlus), metric("mme", config, "all", "perception"), 1e-9);
        }
        // metrics keeps POPE's table, per yes/no benchmark
        assertEquals(List.of("mme", "pope"), table("metrics").select("benchmark").distinct().orderBy("benchmark").as(
                org.apache.spark.sql.Encoders.STRING()).collectAsList());
        assertEquals(CONFIGS.size() * 2L, table("metrics").where("benchmark = 'pope'").count()); // random + all
        assertEquals(metric("pope", "var", "all", "accuracy"), table("metrics").where("benchmark = 'pope' and config = 'var' and category = 'all'")
                .first().<Double>getAs("accuracy"), 1e-12);
    }

    @Test
    void significanceRowsPerBenchmarkAndConfigAgainstBaselineAndVar() {
        List<Row> sig = table("significance").collectAsList();
        // every config against baseline; the two other VAR configs against var too
        assertEquals(5 * (CONFIGS.size() - 1) + 5 * 2, sig.size());
        assertEquals(5 * 2, sig.stream().filter(s -> s.getAs("against").equals("var")).count());
        for (Row s : sig) {
            String benchmark = s.getAs("benchmark");
            String config = s.getAs("config");
            String against = s.getAs("against");
            Map<String, Double> base = new HashMap<>();
            for (Row r : preds(benchmark, against)) {
                base.put(r.getAs("question_id"), r.getAs("score"));
            }
            long b = 0;
            long c = 0;
            double diff = 0;
            for (Row r : preds(benchmark, config)) {
                double bs = base.get((String) r.getAs("question_id"));
                double cs = r.getAs("score");
                diff += cs - bs;
                b += bs == 1 && cs != 1 ? 1 : 0;
                c += bs != 1 && cs == 1 ? 1 : 0;
            }
            assertEquals(N, (long) s.getAs("n"));
            assertEquals(diff / N, (double) s.getAs("difference"), 1e-12, benchmark + " " + config);
            assertTrue((double) s.getAs("ci_low") <= (double) s.getAs("difference") + 1e-12 && (double) s.getAs("difference") <= (double) s.getAs("ci_high") + 1e-12);
            assertEquals(200, (int) s.getAs("resamples"));
            assertEquals(5L, (long) s.getAs("seed"));
            if (benchmark.equals("synth_vqa")) {
                assertNull(s.getAs("mcnemar_p"));
                assertEquals("vqa_accuracy", s.getAs("metric"));
            } else {
                // captions: 1 = hallucinates, so "right" counts are of hallucinating captions; McNemar is symmetric in b and c
                assertEquals(b, (long) s.getAs("baseline_only"), benchmark + " " + config);
                assertEquals(c, (long) s.getAs("config_only"));
                assertEquals(Significance.mcnemarP(b, c), (double) s.getAs("mcnemar_p"), 1e-12);
                assertEquals((double) s.getAs("mcnemar_p") < 0.05, s.getAs("significant"));
            }
        }
        assertNotNull(log);
        assertTrue(log.contains("significance") && log.contains("against"), log);
        assertTrue(log.contains("synth_caption"), log);
    }

    @Test
    void promptsCarryTheOptionsAndTheBenchmarksSuffix() {
        SampleSource source;
        try {
            source = SampleSource.jsonl(spark, dir.resolve("mixed.jsonl"), 0, BenchmarkOptions.defaults());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, String> text = new HashMap<>();
        for (Row r : source.samples().select("benchmark", "question").collectAsList()) {
            text.putIfAbsent(r.getString(0), r.getString(1));
        }
        assertEquals("Which colour 0?\nA. red\nB. green\nC. blue\nD. orange\nAnswer with the option's letter from the given choices directly.",
                text.get("synth_choice"));
        assertEquals("Is there a cat 0?\nAnswer the question using a single word or phrase.", text.get("pope"));
        assertEquals("What is shown 0?", text.get("synth_caption"));
    }
}
