package sinkscope.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.data.PromptTemplate;
import sinkscope.data.Question;
import sinkscope.data.ReadError;

/**
 * The published layouts as evaluate's questions, for the benchmarks {@code PublishedLayoutsEvaluateTest} does not run:
 * the text LLaVA-1.5's eval scripts build ({@code model_vqa_science.py}: the human turn without {@code <image>};
 * {@code model_vqa_loader.py} over the converted SEED/GQA/TextVQA/VizWiz files: question, options as {@code A. } lines),
 * labels, groups and categories as {@code score} reads them, and error rows for bad records and missing images.
 */
class PublishedBenchmarkTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private static Question only(PublishedBenchmark.Result r, String id) {
        return r.items().stream().map(PublishedBenchmark.Item::question).filter(q -> q.questionId().equals(id)).findFirst().orElseThrow();
    }

    private static void error(ReadError e, Path file, int line, String field, String reason) {
        assertEquals(file.toString(), e.file());
        assertEquals(line, e.line(), e.toString());
        assertEquals(field, e.field(), e.toString());
        assertTrue(e.reason().contains(reason), e.toString());
    }

    @Test
    void scienceQaAsksTheHumanTurnAndRunsOnlyTheImageQuestions() throws IOException {
        write("images/test/4/image.png", "x");
        Path f = write("llava_test_CQM-A.json", "[\n"
                + "{\"id\": \"4\", \"image\": \"4/image.png\", \"conversations\": [{\"from\": \"human\", \"value\": "
                + "\"<image>\\nContext: N/A\\nQuestion: Which is a magnet?\\nOptions: (A) iron nail (B) rubber (C) glass\"}, "
                + "{\"from\": \"gpt\", \"value\": \"The answer is C.\"}]},\n"
                + "{\"id\": \"5\", \"conversations\": [{\"from\": \"human\", \"value\": \"Question: q\\nOptions: (A) yes (B) no\"}, "
                + "{\"from\": \"gpt\", \"value\": \"B\"}]},\n"
                + "{\"id\": \"6\", \"image\": \"6/image.png\", \"conversations\": [{\"from\": \"human\", \"value\": \"Question: q\\nOptions: (A) yes (B) no\"}, "
                + "{\"from\": \"gpt\", \"value\": \"B\"}]},\n"
                + "{\"id\": \"7\", \"image\": \"../../x.png\", \"conversations\": [{\"from\": \"human\", \"value\": \"Question: q\\nOptions: (A) yes (B) no\"}, "
                + "{\"from\": \"gpt\", \"value\": \"A\"}]}\n]");
        PublishedBenchmark.Result r = PublishedBenchmark.read(PublishedBenchmark.Input.parse("scienceqa=" + f + "@" + dir.resolve("images/test")), null, 0);
        assertEquals(1, r.items().size());
        Question q = only(r, "4");
        assertEquals("Context: N/A\nQuestion: Which is a magnet?\nOptions: (A) iron nail (B) rubber (C) glass", q.text());
        assertEquals("Context: N/A\nQuestion: Which is a magnet?\nOptions: (A) iron nail (B) rubber (C) glass\n"
                + "Answer with the option's letter from the given choices directly.",
                PromptTemplate.question(q.text(), q.options(), Benchmarks.of("scienceqa", "choice").suffix("llava")));
        assertEquals("C", q.label());
        assertEquals(dir.resolve("images/test/4/image.png"), r.items().get(0).imagePath());
        assertEquals(3, r.errors().size());
        error(r.errors().get(0), f, 3, "image", "text-only question");
        error(r.errors().get(1), f, 4, "image", "no image");
        error(r.errors().get(2), f, 5, "image", "leaves the image folder");
    }

    @Test
    void seedCvBenchAndMmvpCarryOptionsCategoriesAndPairs() throws IOException {
        write("seed/1454426_2591111986.jpg", "x");
        Path seed = write("SEED-Bench.json", "{\"question_type\": {\"Instance Counting\": 3},\n\"questions\": [\n"
                + "{\"answer\": \"B\", \"choice_a\": \"one\", \"choice_b\": \"two\", \"choice_c\": \"three\", \"choice_d\": \"four\", "
                + "\"data_id\": \"1454426_2591111986\", \"data_type\": \"image\", \"question\": \"How many?\", \"question_id\": \"101669\", \"question_type_id\": 3},\n"
                + "{\"answer\": \"A\", \"choice_a\": \"a\", \"choice_b\": \"b\", \"choice_c\": \"c\", \"choice_d\": \"d\", "
                + "\"data_id\": \"v.mp4\", \"data_type\": \"video\", \"question\": \"?\", \"question_id\": \"2\", \"question_type_id\": 3}\n]}");
        PublishedBenchmark.Result s = PublishedBenchmark.read(PublishedBenchmark.Input.parse("seed=" + seed + "@" + dir.resolve("seed")), null, 0);
        Question q = only(s, "101669");
        assertEquals("How many?\nA. one\nB. two\nC. three\nD. four\nAnswer with the option's letter from the given choices directly.",
                PromptTemplate.question(q.text(), q.options(), Benchmarks.of("seed", "choice").suffix("llava")));
        assertEquals("B", q.label());
        assertEquals("Instance Counting", q.category());
        assertEquals(dir.resolve("seed/1454426_2591111986.jpg"), s.items().get(0).imagePath());
        error(s.errors().get(0), seed, 4, "data_type", "only image questions");

        write("cv/img/2D/count/ade20k_10.png", "x");
        Path cv = write("cv/test.jsonl", "{\"idx\": 0, \"type\": \"2D\", \"task\": \"Count\", \"image\": \"img/2D/count/ade20k_10.png\", "
                + "\"question\": \"How many organs?\", \"choices\": [\"3\", \"2\"], \"answer\": \"(B)\", \"source\": \"ADE20K\"}\n"
                + "{\"idx\": 1, \"task\": \"Count\", \"image\": \"img/none.png\", \"question\": \"?\", \"choices\": [\"3\", \"2\"], \"answer\": \"(A)\", \"source\": \"COCO\"}\n");
        PublishedBenchmark.Result c = PublishedBenchmark.read(PublishedBenchmark.Input.parse("cvbench=" + cv), null, 0);
        assertEquals("ADE20K", only(c, "0").category()); // the 2D/3D means are over sources
        assertEquals("B", only(c, "0").label());
        error(c.errors().get(0), cv, 2, "image", "no image");

        write("MMVP/MMVP Images/1.jpg", "x");
        write("MMVP/MMVP Images/2.jpg", "x");
        Path mmvp = write("MMVP/Questions.csv", "Index,Question,Options,Correct Answer\n1,Are the feet visible?,(a) Yes (b) No,(a)\n"
                + "2,Is the dog facing left?,(a) Yes (b) No,(b)\n3,Missing image?,(a) Yes (b) No,(a)\n");
        PublishedBenchmark.Result m = PublishedBenchmark.read(PublishedBenchmark.Input.parse("mmvp=" + mmvp), null, 0);
        assertEquals(List.of("0", "0"), m.items().stream().map(i -> i.question().group()).toList());
        assertEquals("Are the feet visible?\nA. Yes\nB. No", PromptTemplate.question(only(m, "1").text(), only(m, "1").options(),
                Benchmarks.of("mmvp", "choice").suffix("llava")));
        error(m.errors().get(0), mmvp, 4, "Index", "no image");
    }

    @Test
    void openAnswerLayoutsCarryAnswersTypesAndImageNames() throws IOException {
        write("train_images/abc.jpg", "x");
        Path textvqa = write("TextVQA_0.5.1_val.json", "{\"data\": [\n{\"question_id\": 34602, \"image_id\": \"abc\", \"question\": \"what brand?\", "
                + "\"answers\": [\"nous\", \"nous\"]},\n{\"question_id\": 34603, \"image_id\": \"gone\", \"question\": \"what?\", \"answers\": [\"x\"]}\n]}");
        PublishedBenchmark.Result t = PublishedBenchmark.read(PublishedBenchmark.Input.parse("textvqa=" + textvqa + "@" + dir.resolve("train_images")), null, 0);
        assertEquals(List.of("nous", "nous"), only(t, "34602").answers());
        assertNull(only(t, "34602").label());
        error(t.errors().get(0), textvqa, 3, "image_id", "no image");
        assertEquals("what brand?", only(t, "34602").text(), "without the OCR file: the question as it is");
        // with the Rosetta OCR file: LLaVA-1.5's llava_textvqa_val_v051_ocr.jsonl form (its first line: TextVQA question 34602)
        write("train_images/003a8ae2ef43b901.jpg", "x");
        write("train_images/plain.jpg", "x");
        Path tv = write("tv.json", "{\"data\": [\n{\"question_id\": 34602, \"image_id\": \"003a8ae2ef43b901\", "
                + "\"question\": \"what is the brand of this camera?\", \"answers\": [\"dakota\"]},\n"
                + "{\"question_id\": 9, \"image_id\": \"plain\", \"question\": \"what does the NYC sign say?\", \"answers\": [\"x\"]}\n]}");
        Path ocr = write("TextVQA_Rosetta_OCR_v0.2_val.json", "{\"data\": [\n{\"image_id\": \"003a8ae2ef43b901\", \"ocr_tokens\": "
                + "[\"DAKOTA\", \"DIGITAL\", \"Single-Use\", \"Camera\", \"Pire\", \"digitat\"]},\n{\"image_id\": \"plain\", \"ocr_tokens\": []},\n"
                + "{\"ocr_tokens\": [\"x\"]}\n]}");
        PublishedBenchmark.Result o = PublishedBenchmark.read(PublishedBenchmark.Input.parse("textvqa=" + tv + "," + ocr + "@" + dir.resolve("train_images")), null, 0);
        assertEquals("What is the brand of this camera?\nReference OCR token: DAKOTA, DIGITAL, Single-Use, Camera, Pire, digitat\n"
                + "Answer the question using a single word or phrase.", Benchmarks.of("textvqa", "open").ask("llava", only(o, "34602").text(), List.of()));
        assertEquals("What does the NYC sign say?", only(o, "9").text(), "no tokens: no OCR line");
        error(o.errors().get(0), ocr, 4, "image_id", "missing");

        write("vizwiz/VizWiz_val_00000000.jpg", "x");
        Path vizwiz = write("val.json", "[\n{\"image\": \"VizWiz_val_00000000.jpg\", \"question\": \"What is this?\", "
                + "\"answers\": [{\"answer\": \"unanswerable\", \"answer_confidence\": \"yes\"}], \"answer_type\": \"unanswerable\"}\n]");
        PublishedBenchmark.Result v = PublishedBenchmark.read(PublishedBenchmark.Input.parse("vizwiz=" + vizwiz + "@" + dir.resolve("vizwiz")), null, 0);
        Question vq = only(v, "VizWiz_val_00000000.jpg");
        assertEquals("unanswerable", vq.category());
        assertEquals("What is this?\nWhen the provided information is insufficient, respond with 'Unanswerable'.\n"
                + "Answer the question using a single word or phrase.", PromptTemplate.question(vq.text(), vq.options(),
                Benchmarks.of("vizwiz", "open").suffix("llava")));

        write("gqa/n7194.jpg", "x");
        Path gqa = write("testdev_balanced_questions.json", "{\n\"201307251\": {\"imageId\": \"n7194\", \"question\": \"Is it red?\", "
                + "\"answer\": \"yes\", \"types\": {\"structural\": \"verify\"}},\n\"2\": {\"imageId\": \"n7194\", \"answer\": \"no\"}\n}");
        PublishedBenchmark.Result g = PublishedBenchmark.read(PublishedBenchmark.Input.parse("gqa=" + gqa + "@" + dir.resolve("gqa")), null, 0);
        assertEquals("yes", only(g, "201307251").label());
        assertEquals("verify", only(g, "201307251").category());
        error(g.errors().get(0), gqa, 3, "question", "missing");
        // --limit 1: the first question of the benchmark (and every error)
        write("gqa/n7195.jpg", "x");
        Path gqa3 = write("gqa3.json", "{\n\"1\": {\"imageId\": \"n7194\", \"question\": \"a?\", \"answer\": \"yes\"},\n"
                + "\"2\": {\"imageId\": \"n7195\", \"question\": \"b?\", \"answer\": \"no\"}\n}");
        PublishedBenchmark.Result first = PublishedBenchmark.read(PublishedBenchmark.Input.parse("gqa=" + gqa3 + "@" + dir.resolve("gqa")), null, 1);
        assertEquals(List.of("1"), first.items().stream().map(i -> i.question().questionId()).toList());
    }

    @Test
    void specsNeedTheFilesAndImageFoldersOfTheirLayout() throws IOException {
        Path f = write("a.json", "{}");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PublishedBenchmark.Input.parse("vqav2=" + f + "@" + dir))
                .getMessage().contains("questions"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PublishedBenchmark.Input.parse("gqa=" + f))
                .getMessage().contains("image folder"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PublishedBenchmark.Input.parse("mmmu=" + f))
                .getMessage().contains("known"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PublishedBenchmark.Input.parse("gqa=" + dir.resolve("nope.json") + "@" + dir))
                .getMessage().contains("no file"));
        PublishedBenchmark.Input in = PublishedBenchmark.Input.parse("chair=" + f + "," + f + "@" + dir);
        assertEquals(List.of(f, f), in.files());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PublishedBenchmark.read(in, null, 0)).getMessage().contains("--synonyms"));
    }
}
