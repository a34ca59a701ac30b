package sinkscope.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ScienceQA (LLaVA's converted json), SEED-Bench, CV-Bench, MMVP and GQA readers on small published-layout files. */
class ChoiceReadersTest {

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
    void scienceQaConverted() throws IOException {
        Path f = write("llava_test_CQM-A.json", "[\n"
                + "{\"id\": \"4\", \"image\": \"4/image.png\", \"conversations\": [{\"from\": \"human\", \"value\": "
                + "\"Context: N/A\\nQuestion: Which is a magnet?\\nOptions: (A) iron nail (B) rubber (C) glass\\n<image>\"}, "
                + "{\"from\": \"gpt\", \"value\": \"The answer is C.\"}]},\n"
                + "{\"id\": \"5\", \"conversations\": [{\"from\": \"human\", \"value\": \"Question: q\\nOptions: (A) yes (B) no\"}, "
                + "{\"from\": \"gpt\", \"value\": \"B\"}]},\n"
                + "{\"id\": \"6\", \"conversations\": [{\"from\": \"human\", \"value\": \"Question: q\\nOptions: (A) yes (B) no\"}, "
                + "{\"from\": \"gpt\", \"value\": \"The answer is D.\"}]},\n"
                + "{\"id\": \"7\", \"conversations\": [{\"from\": \"human\", \"value\": \"Question: q\"}, {\"from\": \"gpt\", \"value\": \"A\"}]},\n"
                + "{\"id\": \"8\", \"conversations\": [{\"from\": \"human\", \"value\": \"Options: (A) a (B) b\"}]}\n]");
        BenchmarkRead<ChoiceReaders.ChoiceQuestion> r = ChoiceReaders.scienceQa(f);
        assertEquals(2, r.items().size(), r.errors().toString());
        ChoiceReaders.ChoiceQuestion a = r.items().get(0);
        assertEquals(List.of("iron nail", "rubber", "glass"), a.options());
        assertEquals(2, a.answer());
        assertEquals("4/image.png", a.image());
        assertNull(r.items().get(1).image());
        assertEquals(1, r.items().get(1).answer());
        error(r.errors().get(0), f, 4, "conversations[1].value", "beyond the 2 options");
        error(r.errors().get(1), f, 5, "conversations[0].value", "no 'Options:'");
        error(r.errors().get(2), f, 6, "conversations", "no gpt turn");
    }

    @Test
    void seedBench() throws IOException {
        Path f = write("SEED-Bench.json", "{\"question_type\": {\"Scene Understanding\": 1, \"Instance Counting\": 3},\n"
                + "\"questions\": [\n"
                + "{\"answer\": \"B\", \"choice_a\": \"one\", \"choice_b\": \"two\", \"choice_c\": \"three\", \"choice_d\": \"four\", "
                + "\"data_id\": \"1454426_2591111986\", \"data_type\": \"image\", \"question\": \"How many?\", \"question_id\": \"101669\", \"question_type_id\": 3},\n"
                + "{\"answer\": \"E\", \"choice_a\": \"a\", \"choice_b\": \"b\", \"choice_c\": \"c\", \"choice_d\": \"d\", "
                + "\"data_id\": \"x\", \"data_type\": \"image\", \"question\": \"?\", \"question_id\": \"2\", \"question_type_id\": 1},\n"
                + "{\"answer\": \"A\", \"choice_a\": \"a\", \"choice_b\": \"b\", \"choice_d\": \"d\", "
                + "\"data_id\": \"x\", \"data_type\": \"image\", \"question\": \"?\", \"question_id\": \"3\", \"question_type_id\": 1}\n]}");
        BenchmarkRead<ChoiceReaders.ChoiceQuestion> r = ChoiceReaders.seed(f);
        assertEquals(1, r.items().size(), r.errors().toString());
        ChoiceReaders.ChoiceQuestion q = r.items().get(0);
        assertEquals("101669", q.id());
        assertEquals(1, q.answer());
        assertEquals("Instance Counting", q.category());
        assertEquals("image", q.split());
        error(r.errors().get(0), f, 4, "answer", "beyond the 4 options");
        error(r.errors().get(1), f, 5, "choice_c", "missing");
    }

    @Test
    void cvBench() throws IOException {
        Path f = write("test.jsonl", String.join("\n",
                "{\"idx\": 0, \"type\": \"2D\", \"task\": \"Count\", \"image\": \"img/2D/count/ade20k_10.png\", \"question\": \"How many organs?\", "
                        + "\"choices\": [\"3\", \"2\", \"1\", \"0\"], \"answer\": \"(C)\", \"prompt\": \"p\", \"source\": \"ADE20K\"}",
                "{\"idx\": 1, \"type\": \"3D\", \"task\": \"Depth\", \"image\": \"i.png\", \"question\": \"closer?\", "
                        + "\"choices\": [\"lamp\", \"chair\"], \"answer\": \"(C)\", \"source\": \"Omni3D\"}",
                "{\"idx\": 2, \"task\": \"Depth\", \"image\": \"i.png\", \"question\": \"closer?\", \"choices\": [\"lamp\", \"chair\"], \"answer\": \"(A)\"}")
                + "\n");
        BenchmarkRead<ChoiceReaders.ChoiceQuestion> r = ChoiceReaders.cvBench(f);
        assertEquals(1, r.items().size());
        assertEquals(2, r.items().get(0).answer());
        assertEquals("ADE20K", r.items().get(0).split());
        assertEquals("Count", r.items().get(0).category());
        error(r.errors().get(0), f, 2, "answer", "beyond the 2 options");
        error(r.errors().get(1), f, 3, "source", "missing");
    }

    @Test
    void mmvpCsvAndImages() throws IOException {
        write("MMVP/MMVP Images/1.jpg", "x");
        write("MMVP/MMVP Images/2.jpg", "x");
        write("MMVP/MMVP Images/4.jpg", "x");
        Path f = write("MMVP/Questions.csv", String.join("\n",
                "Index,Question,Options,Correct Answer",
                "1,Are the butterfly's feet visible?,(a) Yes (b) No,(a)",
                "2,\"Is the dog facing left, or right?\",(a) Left (b) Right,(b)",
                "3,Is there a cat?,(a) Yes (b) No,(a)",
                "4,Only one option?,(a) Yes,(a)",
                "x,Bad index,(a) Yes (b) No,(b)") + "\n");
        BenchmarkRead<ChoiceReaders.ChoiceQuestion> r = ChoiceReaders.mmvp(f);
        assertEquals(2, r.items().size(), r.errors().toString());
        assertEquals(List.of("Yes", "No"), r.items().get(0).options());
        assertEquals("Is the dog facing left, or right?", r.items().get(1).question());
        assertEquals(1, r.items().get(1).answer());
        assertEquals("0", r.items().get(0).group());
        assertEquals("0", r.items().get(1).group());
        error(r.errors().get(0), f, 4, "Index", "no image");
        error(r.errors().get(1), f, 5, "Options", "fewer than two options");
        error(r.errors().get(2), f, 6, "Index", "must be an integer");
    }

    @Test
    void gqaQuestions() throws IOException {
        Path f = write("testdev_balanced_questions.json", "{\n"
                + "\"201307251\": {\"semantic\": [], \"imageId\": \"n7194\", \"question\": \"Is it red?\", \"answer\": \"yes\", "
                + "\"types\": {\"structural\": \"verify\", \"semantic\": \"attr\"}},\n"
                + "\"201640614\": {\"imageId\": \"n3\", \"question\": \"What is it?\"}\n}");
        BenchmarkRead<GqaReader.GqaQuestion> r = GqaReader.read(f);
        assertEquals(List.of(new GqaReader.GqaQuestion("201307251", "n7194", "Is it red?", "yes", "verify", 2)), r.items());
        error(r.errors().get(0), f, 3, "answer", "missing");
    }
}
