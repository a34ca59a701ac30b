package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.spark.ExecutorModels;

/**
 * {@code evaluate --benchmark 'mmvet=mm-vet.json;llavabench=questions.jsonl'} on the bundled model: MM-Vet's and LLaVA-Bench's
 * published layouts (images in {@code images/} beside each file) with bad records, two configs. The answers go to the files
 * the judges read, every question in each (a failed generation as ""), into no metric; the run record is written by
 * {@code evaluate} itself and {@code evaluate --from-run} writes the same judge files again.
 */
class JudgeBenchmarksEvaluateTest {
    @TempDir
    static Path dir;
    static Path mmvet;
    static Path bench;
    static Path out;
    static Path again;
    static SparkSession spark;

    @BeforeAll
    static void run() throws Exception {
        ExecutorModels.closeAll();
        Path mv = Files.createDirectories(dir.resolve("mm-vet/images"));
        Files.write(mv.resolve("v1_0.png"), PublishedLayoutsEvaluateTest.png(1));
        Files.write(mv.resolve("v1_1.png"), PublishedLayoutsEvaluateTest.png(2));
        Files.writeString(mv.resolve("v1_4.png"), "not an image"); // read fine, fails to decode: an evaluate error row
        mmvet = PublishedLayoutsEvaluateTest.write(dir.resolve("mm-vet/mm-vet.json"), "{\n"
                + "  \"v1_0\": {\"imagename\": \"v1_0.png\", \"question\": \"What is x in the equation?\", \"answer\": \"-1 <AND> -5\", \"capability\": [\"ocr\", \"math\"]},\n"
                + "  \"v1_1\": {\"imagename\": \"v1_1.png\", \"question\": \"Which shape is white?\", \"answer\": \"circle\", \"capability\": [\"rec\"]},\n"
                + "  \"v1_2\": {\"imagename\": \"v1_1.png\", \"answer\": \"x\", \"capability\": [\"rec\"]},\n"
                + "  \"v1_3\": {\"imagename\": \"v1_3.png\", \"question\": \"Where?\", \"answer\": \"x\", \"capability\": [\"spat\"]},\n"
                + "  \"v1_4\": {\"imagename\": \"v1_4.png\", \"question\": \"What is it?\", \"answer\": \"x\", \"capability\": [\"rec\"]}\n}\n");
        Path lb = Files.createDirectories(dir.resolve("llava-bench-in-the-wild/images"));
        Files.write(lb.resolve("001.png"), PublishedLayoutsEvaluateTest.png(3));
        Files.write(lb.resolve("002.png"), PublishedLayoutsEvaluateTest.png(4));
        bench = PublishedLayoutsEvaluateTest.write(dir.resolve("llava-bench-in-the-wild/questions.jsonl"), String.join("\n",
                "{\"question_id\": 0, \"image\": \"001.png\", \"text\": \"What is the name of this famous sight in the photo?\", \"category\": \"conv\"}",
                "{\"question_id\": 1, \"image\": \"002.png\", \"text\": \"Describe this photo in detail.\", \"category\": \"detail\"}",
                "{\"question_id\": 2, \"image\": ",
                "{\"question_id\": 0, \"image\": \"002.png\", \"text\": \"Again?\", \"category\": \"conv\"}") + "\n");
        out = dir.resolve("out");
        assertEquals(0, Main.run("evaluate", "--benchmark", "mmvet=" + mmvet + ";llavabench=" + bench, "--out", out.toString(),
                "--configs", "baseline,var", "--master", "local[2]", "--judge-max-new-tokens", "5", "--resamples", "20"));
        again = dir.resolve("again");
        assertEquals(0, Main.run("evaluate", "--from-run", out.resolve("run.json").toString(), "--out", again.toString()));
        assertEquals(0, Main.run("report", "--in", out.toString()));
        spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
        ExecutorModels.closeAll();
    }

    /** question_id -> answer of one benchmark and config in the predictions table. */
    static Map<String, String> answers(String benchmark, String config) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Row r : spark.read().parquet(out.resolve("predictions").toString())
                .where("benchmark = '" + benchmark + "' and config = '" + config + "'").orderBy("question_id").collectAsList()) {
            assertEquals("judge", r.getAs("task"));
            assertTrue(r.isNullAt(r.fieldIndex("score")) && r.isNullAt(r.fieldIndex("correct")), "not scored");
            assertEquals(((String) r.getAs("answer")).strip(), r.getAs("pred"));
            m.put(r.getAs("question_id"), r.getAs("answer"));
        }
        return m;
    }

    @Test
    void mmVetResultsHoldEveryQuestionInOrder() throws Exception {
        for (String config : List.of("baseline", "var")) {
            Map<String, String> predicted = answers("mmvet", config);
            assertEquals(List.of("v1_0", "v1_1"), new ArrayList<>(predicted.keySet()));
            String text = Files.readString(out.resolve("judge/mmvet/" + config + ".json"), StandardCharsets.UTF_8);
            JsonObject o = JsonParser.parseString(text).getAsJsonObject();
            assertEquals(List.of("v1_0", "v1_1", "v1_4"), new ArrayList<>(o.keySet()), config);
            assertEquals(predicted.get("v1_0"), o.get("v1_0").getAsString());
            assertEquals(predicted.get("v1_1"), o.get("v1_1").getAsString());
            assertEquals("", o.get("v1_4").getAsString(), "failed generation");
            assertTrue(text.startsWith("{\n  \"v1_0\": "), text);
        }
    }

    @Test
    void llavaBenchAnswersAreModelVqaLines() throws Exception {
        Map<String, String> predicted = answers("llavabench", "baseline");
        List<String> lines = Files.readAllLines(out.resolve("judge/llavabench/baseline.jsonl"), StandardCharsets.UTF_8);
        assertEquals(2, lines.size());
        JsonObject first = JsonParser.parseString(lines.get(0)).getAsJsonObject();
        assertEquals(List.of("question_id", "prompt", "text", "answer_id", "model_id", "metadata"), new ArrayList<>(first.keySet()));
        assertTrue(first.get("question_id").getAsJsonPrimitive().isNumber());
        assertEquals(0, first.get("question_id").getAsInt());
        assertEquals("What is the name of this famous sight in the photo?", first.get("prompt").getAsString(), "asked as it is");
        assertEquals(predicted.get("0"), first.get("text").getAsString());
        assertEquals("tiny-llava", first.get("model_id").getAsString());
        assertEquals(1, JsonParser.parseString(lines.get(1)).getAsJsonObject().get("question_id").getAsInt());
        assertTrue(Files.isRegularFile(out.resolve("judge/llavabench/var.jsonl")));
    }

    @Test
    void judgeBenchmarksAreInNoMetricAndBadRecordsAreErrorRows() {
        assertEquals(0, spark.read().parquet(out.resolve("benchmark_metrics").toString()).count());
        assertEquals(0, spark.read().parquet(out.resolve("significance").toString()).count());
        List<String> reasons = new ArrayList<>();
        for (Row r : spark.read().parquet(out.resolve("errors").toString()).where("job = 'read'").orderBy("line").collectAsList()) {
            reasons.add(r.getString(r.fieldIndex("reason")));
        }
        String all = String.join("\n", reasons);
        assertEquals(4, reasons.size(), all);
        assertTrue(all.contains(mmvet + ":4: question: missing"), all);
        assertTrue(all.contains(mmvet + ":5: imagename: no image " + dir.resolve("mm-vet/images/v1_3.png")), all);
        assertTrue(all.contains(bench + ":3: "), all);
        assertTrue(all.contains(bench + ":4: question_id: duplicate question_id 0"), all);
        // v1_4 under both configs: its image does not decode
        assertEquals(2, spark.read().parquet(out.resolve("errors").toString()).where("job = 'evaluate' and question_id = 'v1_4'").count());
    }

    @Test
    void theReportListsTheJudgeFiles() throws Exception {
        String html = Files.readString(out.resolve("report/index.html"), StandardCharsets.UTF_8);
        for (String b : List.of("mmvet", "llavabench")) {
            assertTrue(html.contains("id=\"benchmark-" + b + "\""), b);
        }
        assertTrue(html.contains(out.resolve("judge/mmvet/var.json").toString()), "the file for the judge");
        assertTrue(html.contains(out.resolve("judge/llavabench/baseline.jsonl").toString()));
    }

    @Test
    void evaluateWritesTheRunRecordAndReRunsFromIt() throws Exception {
        JsonObject run = JsonParser.parseString(Files.readString(out.resolve("run.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals("evaluate", run.getAsJsonObject("command").get("command").getAsString());
        JsonObject gen = run.getAsJsonObject("generation");
        assertEquals(5, gen.get("judge_max_new_tokens").getAsInt());
        assertEquals("llava", gen.get("prompt_suffix").getAsString(), "auto: the bundled model is LLaVA");
        assertEquals("", gen.getAsJsonObject("prefix_by_benchmark").get("mmvet").getAsString());
        assertEquals("", gen.getAsJsonObject("suffix_by_benchmark").get("llavabench").getAsString());
        assertEquals(again.toString(), JsonParser.parseString(Files.readString(again.resolve("run.json"), StandardCharsets.UTF_8))
                .getAsJsonObject().getAsJsonObject("command").getAsJsonObject("flags").get("out").getAsString());
        for (String f : List.of("mmvet/baseline.json", "mmvet/var.json", "llavabench/baseline.jsonl", "llavabench/var.jsonl")) {
            assertArrayEquals(Files.readAllBytes(out.resolve("judge").resolve(f)), Files.readAllBytes(again.resolve("judge").resolve(f)), f);
        }
    }
}
