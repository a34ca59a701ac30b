package sinkscope.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.eval.VqaAccuracy;

/** Question lines with benchmark fields, the prompt suffixes, and the synthetic benchmark's other task types. */
class BenchmarkQuestionsTest {
    @TempDir
    Path dir;

    @Test
    void benchmarkFieldsAreReadAndBadOnesAreErrorRowsNamingLineAndField() throws IOException {
        Path f = dir.resolve("q.jsonl");
        Files.write(f, List.of(
                "{\"question_id\": 1, \"image\": \"a.png\", \"text\": \"Which?\", \"benchmark\": \"mmbench\", \"options\": [\"cat\", \"dog\"], \"label\": \"b\", \"group\": 7}",
                "{\"question_id\": 2, \"image\": \"a.png\", \"text\": \"How many?\", \"benchmark\": \"vqav2\", \"answers\": [{\"answer\": \"2\"}, \"two\"]}",
                "{\"question_id\": 3, \"image\": \"a.png\", \"text\": \"Which?\", \"benchmark\": \"seed\", \"options\": [\"x\", \"y\", \"z\", \"w\"], \"label\": \"E\"}",
                "{\"question_id\": 4, \"image\": \"a.png\", \"text\": \"Which?\", \"task\": \"choice\", \"options\": [\"x\"]}",
                "{\"question_id\": 5, \"image\": \"a.png\", \"text\": \"Which?\", \"task\": \"essay\"}",
                "{\"question_id\": 6, \"image\": \"a.png\", \"text\": \"Describe.\", \"benchmark\": \"chair\", \"objects\": [\"dog\", 3]}",
                "{\"question_id\": 7, \"image\": \"a.png\", \"text\": \"Describe.\", \"benchmark\": \"chair\", \"objects\": [\"dog\", \"frisbee\"]}"),
                StandardCharsets.UTF_8);
        QuestionReader.Result r = QuestionReader.read(f);
        assertEquals(List.of("1", "2", "7"), r.questions().stream().map(Question::questionId).toList());
        Question mm = r.questions().get(0);
        assertEquals("mmbench", mm.benchmark());
        assertEquals(List.of("cat", "dog"), mm.options());
        assertEquals("7", mm.group());
        assertEquals(List.of("2", "two"), r.questions().get(1).answers());
        assertEquals(List.of("dog", "frisbee"), r.questions().get(2).answers());
        Map<Integer, String> errors = r.errors().stream().collect(Collectors.toMap(InputError::line, InputError::reason));
        assertEquals(Map.of(
                3, "field 'label': 'E' is not an option letter (A-D)",
                4, "field 'options' must hold 2 to 26 option texts for a multiple-choice question, got 1",
                5, "field 'task' must be one of [yes_no, choice, open, caption, judge], got 'essay'",
                6, "field 'objects' must hold strings or {\"answer\": ...} objects, got 3"), errors);
        assertEquals(new QuestionReader.Counts(7, 3, 4, 0), r.counts());
    }

    @Test
    void llavaSuffixesPerBenchmarkAndOptionLines() {
        assertEquals("\nAnswer the question using a single word or phrase.", sinkscope.benchmark.Benchmarks.of("gqa", "open").suffix("llava"));
        assertEquals("\nAnswer with the option's letter from the given choices directly.", sinkscope.benchmark.Benchmarks.of("mmbench", "choice").suffix("llava"));
        assertEquals("\nWhen the provided information is insufficient, respond with 'Unanswerable'.\nAnswer the question using a single word or phrase.",
                sinkscope.benchmark.Benchmarks.of("vizwiz", "open").suffix("llava"));
        assertEquals("", sinkscope.benchmark.Benchmarks.of("cvbench", "choice").suffix("llava"));
        assertEquals("", sinkscope.benchmark.Benchmarks.of("pope", "yes_no").suffix("none"));
        assertEquals("\nAnswer with the option's letter from the given choices directly.", sinkscope.benchmark.Benchmarks.of("my_mc", "choice").suffix("llava"));
        String s = sinkscope.benchmark.Benchmarks.of("mmbench", "choice").suffix("llava");
        assertEquals("Which?\nA. cat\nB. dog" + s, PromptTemplate.question("Which?", List.of("cat", "dog"), s));
        // options already in the text and the suffix already there (LLaVA's converted files): nothing added
        String given = "Which?\nA. cat\nB. dog\nAnswer with the option's letter from the given choices directly.";
        assertEquals(given, PromptTemplate.question(given, List.of("cat", "dog"), s));
        assertEquals("Is there a cat? Answer the question using a single word or phrase.",
                PromptTemplate.question("Is there a cat? Answer the question using a single word or phrase.", List.of(),
                        sinkscope.benchmark.Benchmarks.of("pope", "yes_no").suffix("llava")));
    }

    @Test
    void syntheticBenchmarksHaveEveryTaskTypeWithConsistentAnswers() {
        SyntheticBenchmark.Dataset d = SyntheticBenchmark.build(6, 3, SyntheticBenchmark.DEFAULT_SIZE, 0.0);
        List<Question> qs = d.benchmarks(3);
        assertEquals(qs, SyntheticBenchmark.build(6, 3, SyntheticBenchmark.DEFAULT_SIZE, 0.0).benchmarks(3)); // deterministic
        Map<String, Long> perBenchmark = qs.stream().collect(Collectors.groupingBy(Question::benchmark, Collectors.counting()));
        assertEquals(d.eval().stream().filter(q -> SyntheticBenchmark.POPE_SPLITS.contains(q.category())).count(), perBenchmark.get("pope"));
        assertEquals(d.eval().size() - perBenchmark.get("pope"), perBenchmark.get("synth_vqa"));
        assertEquals(3L, perBenchmark.get("synth_caption")); // every other of the 6 images
        assertEquals(qs.size(), qs.stream().map(Question::questionId).distinct().count());
        Map<String, SyntheticScene> scenes = d.scenes().stream().collect(Collectors.toMap(s -> SyntheticBenchmark.imageName(s.index()), Function.identity()));
        for (Question q : qs) {
            SyntheticScene s = scenes.get(q.image());
            switch (q.benchmark()) {
                case "synth_choice" -> {
                    assertEquals(4, q.options().size());
                    String answer = q.options().get(q.label().charAt(0) - 'A');
                    switch (q.category()) {
                        case "color" -> assertTrue(s.objects().stream().anyMatch(o -> o.color().equals(answer) && q.text().contains(o.shape())), q.toString());
                        case "shape" -> assertTrue(s.objects().stream().anyMatch(o -> o.shape().equals(answer) && q.text().contains(o.color())), q.toString());
                        case "count" -> assertEquals(SyntheticBenchmark.COUNT_OPTIONS.get(s.objects().size() - 1), answer);
                        default -> throw new AssertionError(q);
                    }
                }
                case "synth_vqa" -> {
                    assertEquals(10, q.answers().size());
                    assertTrue(q.answers().stream().filter(q.label()::equals).count() >= 2, q.toString());
                    // the label itself scores > 0 and never more than 1
                    double acc = VqaAccuracy.score(VqaAccuracy.Protocol.VQAV2, q.label(), q.answers());
                    assertTrue(acc > 0.5 && acc <= 1.0, q + " " + acc);
                }
                case "synth_caption" -> assertEquals(s.objects().stream().map(SyntheticScene.SceneObject::shape).distinct().sorted().toList(), q.answers());
                case "pope" -> assertTrue(SyntheticBenchmark.POPE_SPLITS.contains(q.category()));
                default -> throw new AssertionError(q);
            }
        }
        // written as JSONL and read back unchanged, with the task fields
        List<Question> back = qs.stream().map(q -> new QuestionReader().parse(SyntheticBenchmark.toJson(q))).map(Question.class::cast).toList();
        assertEquals(qs.stream().map(Question::answers).toList(), back.stream().map(Question::answers).toList());
        assertEquals(qs.stream().map(Question::options).toList(), back.stream().map(Question::options).toList());
        assertEquals(qs.stream().map(Question::benchmark).toList(), back.stream().map(Question::benchmark).toList());
    }
}
