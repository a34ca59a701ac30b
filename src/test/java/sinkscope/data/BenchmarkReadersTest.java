package sinkscope.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark readers on small files in the published layouts, with bad records among good ones. */
class BenchmarkReadersTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text, StandardCharsets.UTF_8);
        return f;
    }

    private static void error(ReadError e, Path file, int line, String field, String reasonPart) {
        assertEquals(file.toString(), e.file(), e.toString());
        assertEquals(line, e.line(), e.toString());
        assertEquals(field, e.field(), e.toString());
        assertTrue(e.reason().contains(reasonPart), e.toString());
    }

    @Test
    void mmeReleaseFolder() throws IOException {
        // existence: images and question files side by side; artwork: images/ + questions_answers_YN/
        write("MME/existence/000.jpg", "x");
        Path q0 = write("MME/existence/000.txt", "Is there a dog? Please answer yes or no.\tYes\nIs there a cat? Please answer yes or no.\tNo\n");
        Path q1 = write("MME/existence/001.txt", "Is there a car?\tYes\nIs there a bus?\tmaybe\n");  // no image 001.*; bad answer
        write("MME/artwork/images/10002.jpg", "x");
        Path qa = write("MME/artwork/questions_answers_YN/10002.txt", "Is this by Monet?\tno\nonly one field\n");
        BenchmarkRead<MmeReader.MmeQuestion> r = MmeReader.read(dir.resolve("MME"));
        assertEquals(3, r.items().size(), r.errors().toString());
        MmeReader.MmeQuestion a = r.items().get(0);
        assertEquals("artwork", a.subtask());
        assertEquals("10002.jpg", a.image());
        assertEquals("no", a.answer());
        assertEquals("existence", r.items().get(1).subtask());
        assertEquals("000.jpg", r.items().get(1).image());
        assertEquals("yes", r.items().get(1).answer());
        assertEquals(3, r.errors().size());
        error(r.errors().get(0), qa, 2, null, "1 tab-separated fields, expected 2");
        error(r.errors().get(1), q1, 1, "image", "no image 001.jpg");
        error(r.errors().get(2), q1, 2, "answer", "must be yes or no");
        assertEquals(q0.toString(), r.items().get(1).file());
    }

    @Test
    void mmeEvalToolFile() throws IOException {
        Path f = write("count.txt", "a.jpg\tAre there two?\tYes\tYes\n\na.jpg\tAre there three?\tNo\tNo, only two\n"
                + "b.jpg\t\tYes\tno\nb.jpg\tq\tYes\tno\textra\n");
        BenchmarkRead<MmeReader.MmeQuestion> r = MmeReader.read(f);
        assertEquals(2, r.items().size());
        assertEquals("count", r.items().get(0).subtask());
        assertEquals("No, only two", r.items().get(1).prediction());
        assertEquals(3, r.items().get(1).line());
        error(r.errors().get(0), f, 4, "question", "empty");
        error(r.errors().get(1), f, 5, null, "5 tab-separated fields");
    }

    @Test
    void mmbenchTsv() throws IOException {
        String img = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4});
        Path f = write("mmbench_dev.tsv", String.join("\n",
                "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\tl2-category",
                "7\tWhich shape?\tnan\tcircle\tsquare\ttriangle\t\tC\tshape\t" + img + "\tperception",
                "1000007\tWhich shape?\tnan\tsquare\ttriangle\tcircle\t\tB\tshape\t" + img + "\tperception",
                "8\t\"A question with a\ttab and \"\"quotes\"\"\"\tHint here\tyes\tno\tnan\tnan\tA\tyesno\t" + img + "\tx",
                "9\tbad answer\tnan\tyes\tno\tnan\tnan\tC\tyesno\t" + img + "\tx",
                "x10\tbad index\tnan\tyes\tno\tnan\tnan\tA\tyesno\t" + img + "\tx",
                "11\tbad image\tnan\tyes\tno\tnan\tnan\tA\tyesno\t***\tx",
                "12\ttoo few\tnan",
                "7\tduplicate\tnan\tyes\tno\tnan\tnan\tA\tyesno\t" + img + "\tx") + "\n");
        BenchmarkRead<MmbenchReader.MmbenchQuestion> r = MmbenchReader.read(f);
        assertEquals(3, r.items().size(), r.errors().toString());
        MmbenchReader.MmbenchQuestion a = r.items().get(0);
        assertEquals(List.of("circle", "square", "triangle"), a.options());
        assertEquals(2, a.answer());
        assertNull(a.hint());
        assertEquals(7, r.items().get(1).group());
        assertEquals(1, r.items().get(1).answer());
        MmbenchReader.MmbenchQuestion q = r.items().get(2);
        assertEquals("A question with a\ttab and \"quotes\"", q.question());
        assertEquals(List.of("yes", "no"), q.options());
        assertEquals(4, q.line());
        assertEquals(5, r.errors().size());
        error(r.errors().get(0), f, 5, "answer", "'C' is not one of the letters A..B");
        error(r.errors().get(1), f, 6, "index", "must be an integer");
        error(r.errors().get(2), f, 7, "image", "not base64");
        error(r.errors().get(3), f, 8, null, "3 fields, the header has 11");
        error(r.errors().get(4), f, 9, "index", "duplicate index 7");
    }

    @Test
    void vqav2QuestionsAndAnnotations() throws IOException {
        Path q = write("questions.json", "{\"info\": {}, \"questions\": [\n"
                + "  {\"image_id\": 1, \"question\": \"How many?\", \"question_id\": 10},\n"
                + "  {\"image_id\": 2, \"question\": \"What color?\", \"question_id\": 20},\n"
                + "  {\"image_id\": 3, \"question_id\": 30},\n"
                + "  {\"image_id\": 4, \"question\": \"Why?\", \"question_id\": 40}\n]}\n");
        Path a = write("annotations.json", "{\"annotations\": [\n"
                + "  {\"question_id\": 10, \"image_id\": 1, \"answer_type\": \"number\", \"answers\": [{\"answer\": \"2\", \"answer_id\": 1}, {\"answer\": \"two\", \"answer_id\": 2}]},\n"
                + "  {\"question_id\": 20, \"image_id\": 2, \"answer_type\": \"other\", \"answers\": []},\n"
                + "  {\"question_id\": 10, \"image_id\": 1, \"answers\": [{\"answer\": \"3\"}]}\n"
                + "], \"info\": {}}\n");
        BenchmarkRead<VqaReader.VqaQuestion> r = VqaReader.vqav2(a, q);
        assertEquals(1, r.items().size());
        VqaReader.VqaQuestion x = r.items().get(0);
        assertEquals("10", x.questionId());
        assertEquals("How many?", x.question());
        assertEquals(List.of("2", "two"), x.answers());
        assertEquals("number", x.answerType());
        assertEquals(2, x.line());
        assertEquals(4, r.errors().size(), r.errors().toString());
        error(r.errors().get(0), q, 4, "question", "missing");
        error(r.errors().get(1), a, 3, "answers", "empty");
        error(r.errors().get(2), a, 4, "question_id", "duplicate question_id 10");
        error(r.errors().get(3), q, 5, "question_id", "question 40 has no annotation");
    }

    @Test
    void textvqaAndVizwizAndTruncatedJson() throws IOException {
        Path t = write("TextVQA_0.5.1_val.json", "{\"dataset_name\": \"textvqa\", \"data\": [\n"
                + "{\"question_id\": 1, \"image_id\": \"abc\", \"question\": \"what brand?\", \"answers\": [\"nokia\", \"Nokia\"]},\n"
                + "{\"question_id\": 2, \"image_id\": \"abd\", \"question\": \"what?\", \"answers\": \"nokia\"}\n]}");
        BenchmarkRead<VqaReader.VqaQuestion> r = VqaReader.textvqa(t);
        assertEquals(1, r.items().size());
        assertEquals(List.of("nokia", "Nokia"), r.items().get(0).answers());
        error(r.errors().get(0), t, 3, "answers", "must be an array");

        Path v = write("val.json", "[\n{\"image\": \"VizWiz_val_0.jpg\", \"question\": \"What is this?\", "
                + "\"answers\": [{\"answer\": \"unanswerable\", \"answer_confidence\": \"yes\"}, {\"answer\": \"soup\"}], "
                + "\"answer_type\": \"unanswerable\", \"answerable\": 0},\n"
                + "{\"question\": \"no image\", \"answers\": [{\"answer\": \"x\"}]},\n"
                + "{\"image\": \"VizWiz_val_2.jpg\", \"question\": \"cut off\", \"answers\": [{\"answer\": ");
        BenchmarkRead<VqaReader.VqaQuestion> z = VqaReader.vizwiz(v);
        assertEquals(1, z.items().size());
        assertEquals("VizWiz_val_0.jpg", z.items().get(0).questionId());
        assertEquals("unanswerable", z.items().get(0).answerType());
        assertEquals(2, z.errors().size(), z.errors().toString());
        error(z.errors().get(0), v, 3, "image", "missing");
        error(z.errors().get(1), v, 4, null, "malformed JSON");
    }

    @Test
    void cocoCaptionsAndInstances() throws IOException {
        Path c = write("captions_val2014.json", "{\"images\": [{\"id\": 1}], \"annotations\": [\n"
                + "{\"image_id\": 1, \"id\": 5, \"caption\": \"A dog on a couch.\"},\n"
                + "{\"id\": 6, \"caption\": \"no image id\"}\n]}");
        BenchmarkRead<CocoReader.CocoCaption> cap = CocoReader.captions(c);
        assertEquals(List.of(new CocoReader.CocoCaption("1", "A dog on a couch.", 2)), cap.items());
        error(cap.errors().get(0), c, 3, "image_id", "missing");

        // COCO writes categories after annotations
        Path i = write("instances_val2014.json", "{\"annotations\": [\n"
                + "{\"image_id\": 1, \"category_id\": 18, \"bbox\": [1, 2, 3, 4]},\n"
                + "{\"image_id\": 1, \"category_id\": 99}\n],\n"
                + "\"categories\": [{\"id\": 18, \"name\": \"dog\", \"supercategory\": \"animal\"}]}");
        BenchmarkRead<CocoReader.CocoInstance> ins = CocoReader.instances(i);
        assertEquals(List.of(new CocoReader.CocoInstance("1", "dog", 2)), ins.items());
        error(ins.errors().get(0), i, 3, "category_id", "category 99");
    }

    @Test
    void predictionsJsonl() throws IOException {
        Path f = write("answers.jsonl", String.join("\n",
                "{\"question_id\": 1, \"prompt\": \"Q\", \"text\": \"Yes\", \"answer_id\": \"x\", \"model_id\": \"m\"}",
                "{\"question_id\": 2, \"answer\": \"No\", \"config\": \"var\"}",
                "{\"question_id\": 7, \"round_id\": 1, \"text\": \"B\"}",
                "{\"question_id\": 7, \"round_id\": 0, \"text\": \"A\"}",
                "",
                "{\"question_id\": 3}",
                "{\"question_id\": 1, \"text\": \"again\"}",
                "{\"question_id\": 4, \"text\": \"x\"") + "\n");
        BenchmarkRead<PredictionReader.Prediction> r = PredictionReader.read(f);
        assertEquals(4, r.items().size());
        assertEquals("Yes", r.items().get(0).answer());
        assertEquals("Q", r.items().get(0).prompt());
        assertEquals("var", r.items().get(1).config());
        assertEquals(1, r.items().get(2).round());
        assertEquals(3, r.errors().size());
        error(r.errors().get(0), f, 6, "text", "missing");
        error(r.errors().get(1), f, 7, "question_id", "duplicate question_id 1");
        error(r.errors().get(2), f, 8, null, "malformed JSON");
    }
}
