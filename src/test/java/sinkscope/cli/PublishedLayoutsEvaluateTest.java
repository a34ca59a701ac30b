package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sinkscope.benchmark.ScoreRun;
import sinkscope.data.PredictionReader;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.report.RunInfo;
import sinkscope.spark.ExecutorModels;
import sinkscope.spark.Pipeline;

/**
 * {@code evaluate --benchmark 'mme=DIR;mmbench=TSV;vqav2=A,Q@IMAGES;chair=C,I@IMAGES'} on the bundled model, one Spark
 * application: small files in the published layouts (a release-layout MME folder, an MMBench TSV with base64 images, VQAv2's
 * annotation and question files, COCO captions and instances), with bad records in each. Checks the row counts
 * (questions x configs = predictions), the error rows (file, line, field), the questions as LLaVA-1.5's scripts build
 * them, CHAIR's ground truth as chair.py computes it, and that {@code benchmark_metrics} equal what {@code score} computes
 * on the written predictions (tolerance 1e-9).
 */
class PublishedLayoutsEvaluateTest {
    @TempDir
    static Path dir;
    static SparkSession spark;
    static Path out;
    static Path mme;
    static Path tsv;
    static Path vqaAnn;
    static Path vqaQ;
    static Path captions;
    static Path instances;
    static Path synonyms;
    static Pipeline.Settings settings;
    static final List<String> CONFIGS = List.of("baseline", "var");

    static byte[] png(int i) throws IOException {
        BufferedImage img = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(new Color(40 * i % 256, 90, 200 - 30 * i % 200));
        g.fillRect(0, 0, 32, 24);
        g.setColor(Color.WHITE);
        g.fillOval(4 + i, 4, 12, 12);
        g.dispose();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(img, "png", b);
        return b.toByteArray();
    }

    static Path write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @BeforeAll
    static void run() throws Exception {
        ExecutorModels.closeAll();
        // MME, release layout: flat subtask folders and one with images/ + questions_answers_YN/
        mme = dir.resolve("MME_Benchmark_release_version");
        for (int i = 1; i <= 2; i++) {
            Files.write(Files.createDirectories(mme.resolve("existence")).resolve(i + ".png"), png(i));
            Files.write(Files.createDirectories(mme.resolve("code_reasoning")).resolve(i + ".png"), png(i + 2));
        }
        write(mme.resolve("existence/1.txt"), "Is there a circle in this image? Please answer yes or no.\tYes\n"
                + "Is there a dog in this image? Please answer yes or no.\tNo\n");
        write(mme.resolve("existence/2.txt"), "Is there a circle in this image? Please answer yes or no.\tYes\n"
                + "Is there a square in this image? Please answer yes or no.\tmaybe\n"); // line 2: bad answer
        write(mme.resolve("code_reasoning/1.txt"), "Does the code print 3? Please answer yes or no.\tNo\n"
                + "Does the code print 4? Please answer yes or no.\tYes\n");
        write(mme.resolve("code_reasoning/2.txt"), "Does it run? Please answer yes or no.\tYes\n"
                + "Does it fail? Please answer yes or no.\tNo\n");
        Files.write(Files.createDirectories(mme.resolve("artwork/images")).resolve("10.png"), png(5));
        write(mme.resolve("artwork/questions_answers_YN/10.txt"), "Is this a painting? Please answer yes or no.\tYes\n"
                + "Is this a photo? Please answer yes or no.\tNo\n");
        write(mme.resolve("artwork/questions_answers_YN/11.txt"), "Is this a sculpture? Please answer yes or no.\tNo\n"); // no image 11

        // MMBench TSV: a question with its circular copy, one without hint, bad base64, an unknown answer letter, a short row
        String b0 = Base64.getEncoder().encodeToString(png(0));
        String b1 = Base64.getEncoder().encodeToString(png(1));
        tsv = write(dir.resolve("mmbench_dev_20230712.tsv"), String.join("\n",
                "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage",
                "0\tWhat shape is shown?\tLook at the centre.\tcircle\tsquare\ttriangle\tstar\tA\tshape\t" + b0,
                "1000000\tWhat shape is shown?\tLook at the centre.\tsquare\ttriangle\tstar\tcircle\tD\tshape\t" + b0,
                "1\tWhat colour is the background?\tnan\tred\tblue\tnan\tnan\tB\tcolour\t" + b1,
                "2\tWhich one?\tnan\tx\ty\tnan\tnan\tA\tcolour\t!!!not-base64!!!",
                "3\tWhich two?\tnan\tx\ty\tz\tw\tE\tcolour\t" + b1,
                "4\tshort row\tnan\tx") + "\n");

        // VQAv2: annotations + questions; question 3's image is missing
        Path coco = Files.createDirectories(dir.resolve("val2014"));
        for (int i : new int[] {1, 2, 101, 102}) {
            Files.write(coco.resolve(String.format("COCO_val2014_%012d.jpg", i)), png(i % 10 + 6));
        }
        vqaAnn = write(dir.resolve("v2_mscoco_val2014_annotations.json"), "{\"annotations\": [\n"
                + ann(11, 1, "number", "2", "2", "2", "two", "2", "2", "3", "2", "2", "2") + ",\n"
                + ann(12, 2, "yes/no", "yes", "yes", "yes", "no", "yes", "yes", "yes", "yes", "yes", "yes") + ",\n"
                + ann(13, 9, "other", "red", "red", "red", "red", "red", "red", "red", "red", "red", "red") + ",\n"
                + "{\"question_id\": 14, \"image_id\": 1, \"answers\": []}\n]}\n");
        vqaQ = write(dir.resolve("v2_OpenEnded_mscoco_val2014_questions.json"), "{\"questions\": [\n"
                + "{\"question_id\": 11, \"image_id\": 1, \"question\": \"How many circles are there?\"},\n"
                + "{\"question_id\": 12, \"image_id\": 2, \"question\": \"Is there a circle?\"},\n"
                + "{\"question_id\": 13, \"image_id\": 9, \"question\": \"What colour is it?\"}\n]}\n");

        // CHAIR: captions and instances of images 101 and 102; image 108 has a caption but no image file; image 1's id is
        // also MMBench question 1's (an error row: ids are unique across the benchmarks of a run)
        captions = write(dir.resolve("captions_val2014.json"), "{\"images\": [], \"annotations\": [\n"
                + "{\"image_id\": 101, \"id\": 1, \"caption\": \"A man walking with his puppies.\"},\n"
                + "{\"image_id\": 102, \"id\": 2, \"caption\": \"A kitten sitting on a car.\"},\n"
                + "{\"image_id\": 102, \"id\": 3, \"caption\": \"A cat on top of an automobile.\"},\n"
                + "{\"image_id\": 108, \"id\": 4, \"caption\": \"A woman.\"},\n"
                + "{\"image_id\": 1, \"id\": 6, \"caption\": \"A dog.\"},\n"
                + "{\"id\": 5, \"caption\": \"no image id\"}\n]}\n");
        instances = write(dir.resolve("instances_val2014.json"), "{\"categories\": [{\"id\": 1, \"name\": \"person\"}, "
                + "{\"id\": 18, \"name\": \"dog\"}, {\"id\": 3, \"name\": \"car\"}, {\"id\": 90, \"name\": \"toothbrush\"}],\n"
                + "\"annotations\": [\n{\"image_id\": 101, \"category_id\": 1}, {\"image_id\": 101, \"category_id\": 90},\n"
                + "{\"image_id\": 102, \"category_id\": 3}, {\"image_id\": 102, \"category_id\": 77}\n]}\n");
        synonyms = write(dir.resolve("synonyms.txt"), "person, man, woman, people\ndog, puppy\ncat, kitten\ncar, automobile\n");

        out = dir.resolve("out");
        SparkFlags args = SparkFlags.parse(
            "--benchmark", "mme=" + mme + ";mmbench=" + tsv + ";vqav2=" + vqaAnn + "," + vqaQ + "@" + coco
                    + ";chair=" + captions + "," + instances + "@" + coco,
            "--synonyms", synonyms.toString(), "--out", out.toString(), "--configs", String.join(",", CONFIGS),
            "--master", "local[2]", "--max-new-tokens", "4", "--caption-max-new-tokens", "12", "--resamples", "50");
        settings = args.settings(true);
        spark = args.session("evaluate");
        var source = Pipeline.source(spark, settings);
        Pipeline.writeReadErrors(spark, settings, source);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertTrue(Pipeline.evaluate(spark, settings, source, new PrintStream(log, true, StandardCharsets.UTF_8)).balanced(),
                log.toString(StandardCharsets.UTF_8));
    }

    static String ann(int id, int image, String type, String... answers) {
        StringBuilder a = new StringBuilder();
        for (String s : answers) {
            a.append(a.length() == 0 ? "" : ", ").append("{\"answer\": \"").append(s).append("\", \"answer_confidence\": \"yes\"}");
        }
        return "{\"question_id\": " + id + ", \"image_id\": " + image + ", \"answer_type\": \"" + type + "\", \"answers\": [" + a + "]}";
    }

    @AfterAll
    static void stop() {
        spark.stop();
        ExecutorModels.closeAll();
    }

    static List<Row> predictions(String benchmark) {
        return spark.read().parquet(out.resolve("predictions").toString()).where("benchmark = '" + benchmark + "'")
                .orderBy("config", "question_id").collectAsList();
    }

    @Test
    void everyGoodQuestionIsPredictedUnderEveryConfig() {
        // MME: 2 + 1 + 2 + 2 + 2 good questions (existence/2.txt line 2 is bad, artwork 11 has no image)
        Map<String, Integer> expected = Map.of("mme", 9, "mmbench", 3, "vqav2", 2, "chair", 2);
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            assertEquals(e.getValue() * CONFIGS.size(), predictions(e.getKey()).size(), e.getKey());
        }
        assertEquals(0, spark.read().parquet(out.resolve("errors").toString()).where("job = 'evaluate'").count());
    }

    @Test
    void badRecordsAreErrorRowsNamingFileLineAndField() {
        List<String> reasons = new ArrayList<>();
        for (Row r : spark.read().parquet(out.resolve("errors").toString()).where("job = 'read'").collectAsList()) {
            reasons.add(r.getString(r.fieldIndex("reason")));
        }
        List<String> want = List.of(
                mme.resolve("existence/2.txt") + ":2: answer: must be yes or no, got 'maybe'",
                "artwork/questions_answers_YN/11.txt:1: image: no image 11.jpg or .png in",
                tsv + ":5: image: not base64",
                tsv + ":6: answer: 'E' is not one of the letters A..D",
                tsv + ":7: 4 fields, the header has 10",
                vqaAnn + ":4: image_id: no image " + dir.resolve("val2014/COCO_val2014_000000000009.jpg"),
                vqaAnn + ":5: answers: empty",
                captions + ":7: image_id: missing",
                captions + ":6: question_id: 1 is already a question of mmbench in this run",
                instances + ":4: category_id: category 77 is not among the file's categories",
                captions + ":5: image_id: no image " + dir.resolve("val2014/COCO_val2014_000000000108.jpg"));
        for (String w : want) {
            assertTrue(reasons.stream().anyMatch(r -> r.contains(w)), "no error row containing '" + w + "' in " + reasons);
        }
        assertEquals(want.size(), reasons.size(), reasons.toString());
    }

    @Test
    void questionsAreBuiltAsLlavaScriptsBuildThemWithChairGroundTruthAsChairPy() throws IOException {
        Map<String, Row> samples = new TreeMap<>();
        for (Row r : Pipeline.source(spark, settings).samples().collectAsList()) {
            samples.put(r.getString(r.fieldIndex("benchmark")) + ":" + r.getString(0), r);
        }
        Row mm = samples.get("mmbench:0");
        assertEquals("Look at the centre.\nWhat shape is shown?\nA. circle\nB. square\nC. triangle\nD. star"
                + "\nAnswer with the option's letter from the given choices directly.", mm.getString(mm.fieldIndex("question")));
        assertEquals("A", mm.getString(mm.fieldIndex("label")));
        assertEquals("0", samples.get("mmbench:1000000").getString(mm.fieldIndex("group")));
        assertEquals("D", samples.get("mmbench:1000000").getString(mm.fieldIndex("label")));
        assertTrue(java.util.Arrays.equals(pngUnchecked(0), (byte[]) mm.get(mm.fieldIndex("image_bytes"))), "decoded base64 image");
        Row m = samples.get("mme:existence/1.png#2");
        assertEquals("Is there a dog in this image? Please answer yes or no.\nAnswer the question using a single word or phrase.",
                m.getString(m.fieldIndex("question")));
        assertEquals("no", m.getString(m.fieldIndex("label")));
        assertEquals("existence/1.png", m.getString(m.fieldIndex("group")));
        assertEquals("MME_Benchmark_release_version/artwork/images/10.png", samples.get("mme:artwork/10.png#1").getString(m.fieldIndex("image_path")));
        Row v = samples.get("vqav2:11");
        assertEquals("number", v.getString(v.fieldIndex("category")));
        assertEquals("val2014/COCO_val2014_000000000001.jpg", v.getString(v.fieldIndex("image_path")));
        // chair.py's ground truth: instances through the synonyms (toothbrush is none) + the objects the captions mention
        assertEquals(List.of("dog", "person"), answers(samples.get("chair:101")));
        assertEquals(List.of("car", "cat"), answers(samples.get("chair:102")));
        assertEquals("Please describe this image in detail.", samples.get("chair:101").getString(m.fieldIndex("question")));
    }

    static byte[] pngUnchecked(int i) {
        try {
            return png(i);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<String> answers(Row r) {
        List<String> a = new ArrayList<>(scala.jdk.javaapi.CollectionConverters.asJava(r.<scala.collection.Seq<String>>getAs("answers")));
        return new ArrayList<>(new TreeSet<>(a));
    }

    /** benchmark_metrics value of (benchmark, config, category, metric); NaN when null. */
    static double metric(String benchmark, String config, String category, String name) {
        List<Row> rows = spark.read().parquet(out.resolve("benchmark_metrics").toString())
                .where(String.format("benchmark = '%s' and config = '%s' and category = '%s' and metric = '%s'", benchmark, config, category, name))
                .collectAsList();
        assertEquals(1, rows.size(), benchmark + "/" + config + "/" + category + "/" + name);
        return rows.get(0).isNullAt(rows.get(0).fieldIndex("value")) ? Double.NaN : rows.get(0).getDouble(rows.get(0).fieldIndex("value"));
    }

    /** Runs score on the run's predictions of one benchmark, written as LLaVA-style JSONL. */
    static Map<String, ScoreRun.Scored> score(String benchmark, List<Path> annotations, Path synonymsFile) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Row r : predictions(benchmark)) {
            JsonObject o = new JsonObject();
            o.addProperty("question_id", r.getString(r.fieldIndex("question_id")));
            o.addProperty("text", r.getString(r.fieldIndex("answer")));
            o.addProperty("config", r.getString(r.fieldIndex("config")));
            if (benchmark.equals("mme")) {
                o.addProperty("label", r.getString(r.fieldIndex("label")));
                o.addProperty("category", r.getString(r.fieldIndex("category")));
            }
            lines.add(o.toString());
        }
        Path file = write(dir.resolve("preds-" + benchmark + ".jsonl"), String.join("\n", lines) + "\n");
        return new ScoreRun(benchmark, annotations, synonymsFile == null ? null : Files.readAllLines(synonymsFile), "test")
                .score(PredictionReader.read(file).items());
    }

    static void same(double score, double metric, String what) {
        if (Double.isNaN(score) || Double.isNaN(metric)) {
            assertEquals(Double.isNaN(score), Double.isNaN(metric), what + ": " + score + " vs " + metric);
        } else {
            assertEquals(score, metric, 1e-9, what);
        }
    }

    @Test
    void benchmarkMetricsEqualWhatScoreComputesOnThePredictions() throws IOException {
        Map<String, ScoreRun.Scored> mmeScores = score("mme", List.of(), null);
        Map<String, ScoreRun.Scored> mmb = score("mmbench", List.of(tsv), null);
        Map<String, ScoreRun.Scored> vqa = score("vqav2", List.of(vqaAnn, vqaQ), null);
        Map<String, ScoreRun.Scored> chair = score("chair", List.of(captions, instances), synonyms);
        for (String c : CONFIGS) {
            Map<String, Double> s = ScoreRun.named(mmeScores.get(c).scores());
            same(s.get("perception"), metric("mme", c, "all", "perception"), c + " perception");
            same(s.get("cognition"), metric("mme", c, "all", "cognition"), c + " cognition");
            for (String t : List.of("existence", "code_reasoning", "artwork")) {
                same(s.get(t + ".score"), metric("mme", c, t, "score"), c + " " + t);
                same(s.get(t + ".acc"), metric("mme", c, t, "acc"), c + " " + t + " acc");
                same(s.get(t + ".acc_plus"), metric("mme", c, t, "acc_plus"), c + " " + t + " acc+");
            }
            s = ScoreRun.named(mmb.get(c).scores());
            assertEquals(3.0, s.get("n"));
            assertEquals(0, mmb.get(c).unmatched());
            same(s.get("circular_accuracy"), metric("mmbench", c, "all", "circular_accuracy"), c + " circular");
            same(s.get("accuracy"), metric("mmbench", c, "all", "accuracy"), c + " vanilla");
            same(s.get("shape.circular_accuracy"), metric("mmbench", c, "shape", "circular_accuracy"), c + " shape");
            s = ScoreRun.named(vqa.get(c).scores());
            assertEquals(2.0, s.get("n"));
            same(s.get("vqa_accuracy"), metric("vqav2", c, "all", "vqa_accuracy"), c + " vqa");
            same(s.get("number.vqa_accuracy"), metric("vqav2", c, "number", "vqa_accuracy"), c + " number");
            s = ScoreRun.named(chair.get(c).scores());
            assertEquals(2.0, s.get("n"));
            assertEquals(0, chair.get(c).unmatched());
            for (String k : List.of("chair_s", "chair_i", "recall")) {
                same(s.get(k), metric("chair", c, "all", k), c + " " + k);
            }
            same(s.get("mean_length"), metric("chair", c, "all", "mean_length"), c + " mean_length");
        }
    }

    @Test
    void runRecordHoldsEachBenchmarkFileWithItsDigest() throws Exception {
        JsonObject record = RunInfo.record(settings, "local[2]", "evaluate", Map.of(), spark.version());
        JsonObject b = record.getAsJsonObject("data").getAsJsonObject("benchmarks");
        assertEquals(List.of("mme", "mmbench", "vqav2", "chair"), new ArrayList<>(b.keySet()));
        JsonObject tsvFile = b.getAsJsonObject("mmbench").getAsJsonArray("files").get(0).getAsJsonObject();
        assertEquals(tsv.toAbsolutePath().toString(), tsvFile.get("path").getAsString());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(tsv))), tsvFile.get("sha256").getAsString());
        assertEquals(2, b.getAsJsonObject("chair").getAsJsonArray("files").size());
        assertNotNull(b.getAsJsonObject("mme").getAsJsonArray("files").get(0).getAsJsonObject().get("listing_sha256"));
        assertEquals(dir.resolve("val2014").toAbsolutePath().toString(), b.getAsJsonObject("vqav2").get("images").getAsString());
        JsonObject suffixes = record.getAsJsonObject("generation").getAsJsonObject("suffix_by_benchmark");
        assertEquals("", suffixes.get("chair").getAsString());
        assertEquals("\nAnswer with the option's letter from the given choices directly.", suffixes.get("mmbench").getAsString());
        assertFalse(record.getAsJsonObject("generation").get("mmbench_all_rounds").getAsBoolean());
        JsonParser.parseString(record.toString()); // valid JSON
    }

    /** {@code --all-rounds}: each MMBench row once per option (rows 0 and 1000000: 4 options, row 1: 2), recorded in run.json. */
    @Test
    void allRoundsAsksEachMmbenchRowOncePerOption() throws Exception {
        SparkFlags args = SparkFlags.parse("--benchmark", "mmbench=" + tsv, "--all-rounds", "--out", dir.resolve("rounds").toString());
        Pipeline.Settings rounds = args.settings(true);
        List<String> ids = new ArrayList<>();
        for (Row r : Pipeline.source(spark, rounds).samples().collectAsList()) {
            ids.add(r.getString(0));
        }
        assertEquals(new TreeSet<>(List.of("0", "0#1", "0#2", "0#3", "1000000", "1000000#1", "1000000#2", "1000000#3", "1", "1#1")),
                new TreeSet<>(ids));
        assertEquals(10, ids.size());
        assertTrue(RunInfo.record(rounds, "local[2]", "evaluate", Map.of(), spark.version()).getAsJsonObject("generation")
                .get("mmbench_all_rounds").getAsBoolean());
    }
}
