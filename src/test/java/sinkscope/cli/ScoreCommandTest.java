package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.benchmark.PublishedBenchmark;
import sinkscope.data.Question;
import sinkscope.benchmark.BenchmarkScores;
import sinkscope.eval.ChairTest;
import sinkscope.eval.TaskScore;
import sinkscope.spark.Tables;

/** {@code score} end to end on small files in the published layouts; expected values hand-worked (see each). */
class ScoreCommandTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    /** Runs score and returns its {@code name: value} lines. */
    private static Map<String, String> score(String... argv) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            String[] all = new String[argv.length + 1];
            all[0] = "score";
            System.arraycopy(argv, 0, all, 1, argv.length);
            assertEquals(0, Main.run(all));
        } finally {
            System.setOut(old);
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
            int c = line.indexOf(": ");
            if (c > 0) {
                m.put(line.substring(0, c), line.substring(c + 2));
            }
        }
        return m;
    }

    private static String tenAnswers(String... countAndAnswer) {
        StringBuilder sb = new StringBuilder("[");
        int id = 1;
        for (int i = 0; i < countAndAnswer.length; i += 2) {
            for (int k = 0; k < Integer.parseInt(countAndAnswer[i]); k++) {
                sb.append(id > 1 ? ", " : "").append("{\"answer\": \"").append(countAndAnswer[i + 1]).append("\", \"answer_id\": ").append(id++).append('}');
            }
        }
        return sb.append(']').toString();
    }

    @Test
    void vqav2TwoConfigsWithBootstrap() throws IOException {
        Path ann = write("ann.json", "{\"annotations\": [\n"
                + "{\"question_id\": 1, \"image_id\": 1, \"answer_type\": \"yes/no\", \"answers\": " + tenAnswers("10", "yes") + "},\n"
                + "{\"question_id\": 2, \"image_id\": 1, \"answer_type\": \"number\", \"answers\": " + tenAnswers("2", "2", "8", "3") + "},\n"
                + "{\"question_id\": 3, \"image_id\": 2, \"answer_type\": \"other\", \"answers\": " + tenAnswers("10", "red") + "},\n"
                + "{\"question_id\": 4, \"image_id\": 2, \"answer_type\": \"other\", \"answers\": " + tenAnswers("3", "dog", "7", "cat") + "}\n]}");
        Path pred = write("answers.jsonl", String.join("\n",
                "{\"question_id\": 1, \"text\": \"Yes\", \"config\": \"baseline\"}",
                "{\"question_id\": 2, \"text\": \"3\", \"config\": \"baseline\"}",
                "{\"question_id\": 3, \"text\": \"blue\", \"config\": \"baseline\"}",
                "{\"question_id\": 4, \"text\": \"dog\", \"config\": \"baseline\"}",
                "{\"question_id\": 1, \"text\": \"yes\", \"config\": \"var\"}",
                "{\"question_id\": 2, \"text\": \"2\", \"config\": \"var\"}",
                "{\"question_id\": 3, \"text\": \"red\", \"config\": \"var\"}",
                "{\"question_id\": 4, \"text\": \"cat\", \"config\": \"var\"}",
                "{\"question_id\": 99, \"text\": \"cat\", \"config\": \"var\"}",
                "{\"question_id\": 5, \"config\": \"var\"}") + "\n");
        Map<String, String> m = score("--benchmark", "vqav2", "--predictions", pred.toString(), "--annotations", ann.toString());
        // baseline: "Yes" vs ten identical "yes" is not normalized (vqaEval.py) -> 0; "3" 8 of 10 -> 1; "blue" 0;
        // "dog" 3 of 10 -> (3 * 2/3 + 7) / 10 = 0.9; mean (0 + 1 + 0 + 0.9) / 4 = 0.475
        assertEquals("0.4750", m.get("baseline.vqa_accuracy"));
        assertEquals("0.4500", m.get("baseline.other.vqa_accuracy"));
        // LLaVA's converter uploads the EvalAI-processed "yes": (1 + 1 + 0 + 0.9) / 4
        assertEquals("0.7250", m.get("baseline.vqa_accuracy_llava_submission"));
        assertEquals("0", m.get("baseline.yes/no.vqa_accuracy"));
        // var: 1, 0.6, 1, 1 -> 0.9
        assertEquals("0.9000", m.get("var.vqa_accuracy"));
        assertEquals("0.6000", m.get("var.number.vqa_accuracy"));
        assertEquals("1", m.get("var.unmatched"));
        assertEquals("0", m.get("var.missing"));
        assertEquals("4", m.get("var.vs_baseline.paired"));
        assertEquals("0.4250", m.get("var.vs_baseline.difference"));
        assertFalse(m.containsKey("var.vs_baseline.mcnemar_p"), "VQA accuracy is not right/wrong");
        double lo = Double.parseDouble(m.get("var.vs_baseline.ci_low"));
        double hi = Double.parseDouble(m.get("var.vs_baseline.ci_high"));
        assertTrue(lo <= 0.425 && 0.425 <= hi && lo >= -0.4 && hi <= 1.0, lo + " " + hi);
        assertEquals("1", m.get("errors"));
    }

    @Test
    void mmeEvalToolResults() throws IOException {
        write("res/existence.txt", "a.jpg\tIs there a dog?\tYes\tYes\na.jpg\tIs there a cat?\tNo\tNo, there is not.\n"
                + "b.jpg\tIs there a car?\tYes\tyes\nb.jpg\tIs there a bus?\tNo\tYes\n");
        write("res/count.txt", "c.jpg\tAre there two?\tYes\tThere is one.\nc.jpg\tAre there three?\tNo\tno\n");
        write("res/code_reasoning.txt", "d.png\tIs this python?\tNo\tNot really\nd.png\tIs this c++?\tYes\tyes.\n");
        Map<String, String> m = score("--benchmark", "mme", "--predictions", dir.resolve("res").toString());
        // existence: acc 3/4, acc+ 1/2 -> 125; count: acc 1/2, acc+ 0 -> 50; code_reasoning: 200 (calculation.py)
        assertEquals("125", m.get("existence.score"));
        assertEquals("50", m.get("count.score"));
        assertEquals("175", m.get("perception"));
        assertEquals("200", m.get("cognition"));
        assertEquals("0.7500", m.get("existence.acc"));
        assertEquals("0.5000", m.get("existence.acc_plus"));
    }

    @Test
    void mmeLlavaAnswersAgainstTheReleaseFolder() throws IOException {
        write("MME/existence/000.jpg", "x");
        write("MME/existence/000.txt", "Is there a dog? Please answer yes or no.\tYes\nIs there a cat? Please answer yes or no.\tNo\n");
        Path pred = write("mme.jsonl", String.join("\n",
                "{\"question_id\": \"existence/000.jpg\", \"prompt\": \"Is there a dog? Please answer yes or no.\\nAnswer the question using a single word or phrase.\", \"text\": \"Yes\"}",
                "{\"question_id\": \"existence/000.jpg\", \"prompt\": \"Is there a cat? Please answer yes or no.\\nAnswer the question using a single word or phrase.\", \"round_id\": 1, \"text\": \"Yes\"}")
                + "\n");
        Map<String, String> m = score("--benchmark", "mme", "--predictions", pred.toString(), "--annotations", dir.resolve("MME").toString());
        // one of two right, the image not both: 50 + 0
        assertEquals("50", m.get("existence.score"));
        assertEquals("0", m.get("missing"));
    }

    @Test
    void mmbenchCircularOverLlavaRounds() throws IOException {
        String img = Base64.getEncoder().encodeToString(new byte[] {9, 9, 9});
        Path tsv = write("mmbench.tsv", String.join("\n",
                "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage",
                "1\tWhich colour?\tnan\tred\tblue\tnan\tnan\tB\tcolor\t" + img,
                "2\tWhich animal?\tnan\tcat\tdog\tfish\tnan\tA\tanimal\t" + img) + "\n");
        // LLaVA's --all-rounds rotates the options left each round: round r shows option (k + r) % n as letter k
        Path pred = write("mmbench.jsonl", String.join("\n",
                "{\"question_id\": 1, \"round_id\": 0, \"text\": \"B\"}",        // blue: right
                "{\"question_id\": 1, \"round_id\": 1, \"text\": \"A\"}",        // shown [blue, red]: right
                "{\"question_id\": 2, \"round_id\": 0, \"text\": \"A\"}",        // cat: right
                "{\"question_id\": 2, \"round_id\": 1, \"text\": \"A\"}",        // shown [dog, fish, cat]: wrong
                "{\"question_id\": 2, \"round_id\": 2, \"text\": \"cat\"}") + "\n"); // shown [fish, cat, dog], text match: right
        Map<String, String> m = score("--benchmark", "mmbench", "--predictions", pred.toString(), "--annotations", tsv.toString());
        assertEquals("0.5000", m.get("circular_accuracy"));   // question 2 fails one rotation
        assertEquals("0.8000", m.get("accuracy"));            // 4 of 5 rows
        assertEquals("0", m.get("animal.circular_accuracy"));
        assertEquals("1", m.get("color.circular_accuracy"));
    }

    /**
     * {@code evaluate --all-rounds} asks each MMBench row once per option as LLaVA's {@code model_vqa_mmbench.py --all-rounds}
     * does (round r shows option (k + r) % n as letter k); its labels, its own scoring ({@link BenchmarkScores}) and
     * {@code score} on the same answers, as LLaVA's JSONL ({@code round_id}) and as the predictions table (ids
     * {@code index#round}), all give the hand-worked circular accuracy.
     */
    @Test
    void mmbenchAllRoundsAsksEveryRotationAndScoresAsScoreDoes() throws IOException {
        String img = Base64.getEncoder().encodeToString(new byte[] {9, 9, 9});
        Path tsv = write("mmbench_all.tsv", String.join("\n",
                "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage",
                "1\tWhich colour?\tnan\tred\tblue\tnan\tnan\tB\tcolor\t" + img,
                "2\tWhich animal?\tnan\tcat\tdog\tfish\tnan\tA\tanimal\t" + img,
                "3\tWhich number?\tnan\tone\ttwo\tthree\tfour\tC\tnumber\t" + img) + "\n");
        PublishedBenchmark.Result r = PublishedBenchmark.read(PublishedBenchmark.Input.parse("mmbench=" + tsv), null, true, 0);
        assertEquals(List.of(), r.errors());
        Map<String, Question> q = new LinkedHashMap<>();
        r.items().forEach(i -> q.put(i.question().questionId(), i.question()));
        assertEquals(List.of("1", "1#1", "2", "2#1", "2#2", "3", "3#1", "3#2", "3#3"), List.copyOf(q.keySet()));
        assertEquals(List.of("dog", "fish", "cat"), q.get("2#1").options());
        assertEquals(List.of("four", "one", "two", "three"), q.get("3#3").options());
        // the label follows the right option: (answer - r) mod n
        assertEquals(List.of("B", "A", "A", "C", "B", "C", "B", "A", "D"), q.values().stream().map(Question::label).toList());
        assertTrue(q.values().stream().allMatch(x -> x.group().equals(x.questionId().split("#")[0])), "a row's rounds are one group");
        assertEquals(1, PublishedBenchmark.read(PublishedBenchmark.Input.parse("mmbench=" + tsv), null, false, 0).items().stream()
                .filter(i -> i.question().group().equals("3")).count(), "one round without --all-rounds");

        // every round answered right except 2#1 ("A" is dog there); 3#2 answered by the option's text
        Map<String, String> answers = new LinkedHashMap<>();
        q.forEach((id, x) -> answers.put(id, id.equals("2#1") ? "A" : id.equals("3#2") ? "three" : x.label()));
        BenchmarkScores own = new BenchmarkScores("mmbench", sinkscope.benchmark.Benchmarks.taskOf("mmbench"), null);
        q.forEach((id, x) -> own.add(id, x.category(), x.group(), new TaskScore.Reference("mmbench", sinkscope.benchmark.Benchmarks.taskOf("mmbench"),
                x.label(), x.options(), x.answers()), answers.get(id)));
        Map<String, Double> metrics = new LinkedHashMap<>();
        own.metrics().stream().filter(m -> m.category().equals("all")).forEach(m -> metrics.put(m.metric(), m.value()));
        assertEquals(2.0 / 3, metrics.get("circular_accuracy"), 1e-12);   // row 2 fails one rotation
        assertEquals(8.0 / 9, metrics.get("accuracy"), 1e-12);            // 8 of 9 rounds

        List<String> jsonl = new ArrayList<>();
        answers.forEach((id, a) -> jsonl.add("{\"question_id\": " + id.split("#")[0] + ", \"round_id\": "
                + (id.contains("#") ? id.split("#")[1] : "0") + ", \"text\": \"" + a + "\"}"));
        Map<String, String> m = score("--benchmark", "mmbench", "--predictions", write("rounds.jsonl", String.join("\n", jsonl) + "\n").toString(),
                "--annotations", tsv.toString());
        assertEquals("0.6667", m.get("circular_accuracy"));
        assertEquals("0.8889", m.get("accuracy"));
        assertEquals("0", m.get("animal.circular_accuracy"));
        assertEquals("1", m.get("number.circular_accuracy"));

        SparkSession spark = SparkSession.builder().master("local[1]").appName("score-test")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
        try {
            List<Row> rows = new ArrayList<>();
            q.forEach((id, x) -> rows.add(RowFactory.create(id, 2, x.category(), "mmbench", "choice", null, "baseline", answers.get(id),
                    answers.get(id), x.label(), null, null, null, null, 5L)));
            spark.createDataFrame(rows, Tables.PREDICTIONS).write().parquet(dir.resolve("rounds-run/predictions").toString());
        } finally {
            spark.stop();
        }
        Map<String, String> t = score("--benchmark", "mmbench", "--predictions", dir.resolve("rounds-run").toString(),
                "--annotations", tsv.toString());
        assertEquals("0.6667", t.get("circular_accuracy"));
        assertEquals("0.8889", t.get("accuracy"));
        assertEquals("0", t.get("unmatched"));
    }

    @Test
    void chairOnCocoFiles() throws IOException {
        Path syn = write("synonyms.txt", String.join("\n", ChairTest.SYNONYMS));
        Path caps = write("captions.json", "{\"annotations\": [{\"image_id\": 1, \"caption\": \"A man sitting at a table with his puppy.\"}]}");
        Path inst = write("instances.json", "{\"annotations\": [{\"image_id\": 1, \"category_id\": 18}, {\"image_id\": 1, \"category_id\": 67},"
                + " {\"image_id\": 2, \"category_id\": 70}], \"categories\": [{\"id\": 18, \"name\": \"dog\"}, {\"id\": 67, \"name\": \"dining table\"},"
                + " {\"id\": 70, \"name\": \"toilet\"}]}");
        Path pred = write("caps.jsonl", String.join("\n",
                "{\"question_id\": \"COCO_val2014_000000000001.jpg\", \"text\": \"Two men and a dog at the table, a cat under the chairs.\"}",
                "{\"question_id\": 2, \"text\": \"The seat of the toilet next to a hot dog and a motor bike.\"}",
                "{\"question_id\": 777, \"text\": \"A cat.\"}") + "\n");
        Map<String, String> m = score("--benchmark", "chair", "--predictions", pred.toString(),
                "--annotations", caps + "," + inst, "--synonyms", syn.toString());
        // as ChairTest: mentions 5 + 2, hallucinated 2 + 1, both captions hallucinate, recall (3 + 1) / (3 + 1)
        assertEquals("1", m.get("chair_s"));
        assertEquals("0.4286", m.get("chair_i"));
        assertEquals("1", m.get("recall"));
        assertEquals("13.5000", m.get("mean_length"));
        assertEquals("1", m.get("unmatched"));
    }

    @Test
    void popePredictionsTableWithMcNemar() throws IOException {
        Path table = dir.resolve("run/predictions");
        SparkSession spark = SparkSession.builder().master("local[1]").appName("score-test")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
        try {
            List<Row> rows = List.of(
                    RowFactory.create("1", 1, "random", "pope", "yes_no", null, "baseline", "Yes", "yes", "yes", true, 1.0, null, null, 5L),
                    RowFactory.create("2", 2, "random", "pope", "yes_no", null, "baseline", "No", "no", "yes", false, 0.0, null, null, 5L),
                    RowFactory.create("3", 3, "random", "pope", "yes_no", null, "baseline", "No", "no", "no", true, 1.0, null, null, 5L),
                    RowFactory.create("1", 1, "random", "pope", "yes_no", null, "var", "Yes", "yes", "yes", true, 1.0, null, null, 5L),
                    RowFactory.create("2", 2, "random", "pope", "yes_no", null, "var", "Yes", "yes", "yes", true, 1.0, null, null, 5L),
                    RowFactory.create("3", 3, "random", "pope", "yes_no", null, "var", "no", "no", "no", true, 1.0, null, null, 5L));
            Dataset<Row> df = spark.createDataFrame(rows, Tables.PREDICTIONS)
                    .union(spark.createDataFrame(List.of(RowFactory.create("9", 9, "color", "synth_choice", "choice", null, "var", "B", "B", "A",
                            false, 0.0, null, null, 5L)), Tables.PREDICTIONS)); // another benchmark of the run: not scored as POPE
            df.write().parquet(table.toString());
        } finally {
            spark.stop();
        }
        Map<String, String> m = score("--benchmark", "pope", "--predictions", dir.resolve("run").toString());
        assertEquals("0.6667", m.get("baseline.accuracy"));
        assertEquals("1", m.get("var.accuracy"));
        assertEquals("0", m.get("var.vs_baseline.baseline_only"));
        assertEquals("1", m.get("var.vs_baseline.config_only"));
        assertEquals("1", m.get("var.vs_baseline.mcnemar_p"));      // n = 1: 2 * 1/2
    }

    @Test
    void unknownBenchmarkIsAUsageError() {
        assertEquals(2, Main.run("score", "--benchmark", "nope", "--predictions", "x.jsonl"));
    }

    /** A predictions file in a format score does not read, or a folder that is no run, is a usage error (exit 2). */
    @Test
    void unreadablePredictionsAreAUsageError() throws IOException {
        Path bad = write("preds.json", "{\"results\": {\n\"1\": \"yes\"\n}}\n");
        Path labels = write("pope.jsonl", "{\"question_id\": 1, \"image\": \"a.jpg\", \"text\": \"Is there a dog?\", \"label\": \"yes\"}\n");
        assertEquals(2, Main.run("score", "--benchmark", "pope", "--predictions", bad.toString(), "--annotations", labels.toString()));
        Files.createDirectories(dir.resolve("empty"));
        assertEquals(2, Main.run("score", "--benchmark", "pope", "--predictions", dir.resolve("empty").toString()));
    }
}
