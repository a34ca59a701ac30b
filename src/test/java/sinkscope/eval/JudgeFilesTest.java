package sinkscope.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The judge files byte for byte as LLaVA-1.5's scripts write them. Expected strings are what CPython 3's {@code json}
 * module gives for the same values: {@code json.dumps(d, indent=2)} ({@code convert_mmvet_for_eval.py}) and
 * {@code json.dumps(d) + "\n"} ({@code model_vqa.py}), with its default {@code ensure_ascii=True} (non-ASCII and DEL as
 * {@code \\uXXXX}, a character outside the BMP as its UTF-16 surrogate pair; {@code <}, {@code &} unescaped).
 */
class JudgeFilesTest {
    @Test
    void mmVetResultsAreOneIndentedObjectKeyedV1() {
        String got = JudgeFiles.mmVet(List.of(new JudgeFiles.Answer("v1_0", "q", "x = \"1\"\n\u00e9 <b> & \u007f"),
                new JudgeFiles.Answer("1", "q2", "")));
        assertEquals("{\n  \"v1_0\": \"x = \\\"1\\\"\\n\\u00e9 <b> & \\u007f\",\n  \"v1_1\": \"\"\n}", got);
        assertEquals("{}", JudgeFiles.mmVet(List.of()));
        assertEquals("baseline.json", JudgeFiles.fileName("mmvet", "baseline"));
        assertEquals("var_rho0.3.jsonl", JudgeFiles.fileName("llavabench", "var_rho0.3"));
    }

    @Test
    void modelVqaLinesHaveNumericIdsAndAStableAnswerId() {
        String id = JudgeFiles.answerId("baseline", "0");
        String got = JudgeFiles.modelVqa(List.of(new JudgeFiles.Answer("0", "What is in the image?\nDescribe it.", "A cat \uD83D\uDE00.")),
                "m/x", "baseline");
        assertEquals("{\"question_id\": 0, \"prompt\": \"What is in the image?\\nDescribe it.\", \"text\": \"A cat \\ud83d\\ude00.\", "
                + "\"answer_id\": \"" + id + "\", \"model_id\": \"m/x\", \"metadata\": {}}\n", got);
        assertTrue(id.matches("[23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz]{22}"), id);
        assertEquals(id, JudgeFiles.answerId("baseline", "0"));
        assertNotEquals(id, JudgeFiles.answerId("var", "0"));
        // a string id stays a JSON string
        assertTrue(JudgeFiles.modelVqa(List.of(new JudgeFiles.Answer("q-7", "p", "t")), "m", "var").startsWith("{\"question_id\": \"q-7\", "));
        assertTrue(JudgeFiles.modelVqa(List.of(new JudgeFiles.Answer("007", "p", "t")), "m", "var").startsWith("{\"question_id\": \"007\", "));
    }

    @Test
    void judgeAnswersAreNotScored() {
        TaskScore.Parsed p = TaskScore.score(new TaskScore.Reference("mmvet", TaskScore.JUDGE, null, List.of(), List.of("-1 <AND> -5")),
                "  x = -1 or x = -5\n", null);
        assertEquals("x = -1 or x = -5", p.pred());
        assertEquals(null, p.correct());
        assertTrue(Double.isNaN(p.score()));
        assertEquals(TaskScore.JUDGE, sinkscope.benchmark.Benchmarks.taskOf("llavabench"));
        assertEquals(TaskScore.JUDGE, sinkscope.benchmark.Benchmarks.taskOf("mmvet"));
    }
}
