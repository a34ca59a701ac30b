package sinkscope.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuestionReaderTest {

    @TempDir
    Path dir;

    private Path write(String... lines) throws IOException {
        Path f = dir.resolve("q.jsonl");
        Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void readsQuestionsWithOptionalFields() throws IOException {
        QuestionReader.Result r = QuestionReader.read(write(
                "{\"question_id\": 1, \"image\": \"a.png\", \"text\": \"Is there a cat?\", \"label\": \"yes\", "
                        + "\"category\": \"random\", \"box\": [1, 2.5, 30, 40], \"object\": \"cat\", \"extra\": 3}",
                "{\"question_id\": \"q-2\", \"image\": \"dir/b.jpg\", \"text\": \"What is it?\"}",
                "{\"question_id\": 7.0, \"image\": \"c.png\", \"text\": \"t\", \"label\": null}"));
        assertEquals(List.of(), r.errors());
        assertEquals(new QuestionReader.Counts(3, 3, 0, 0), r.counts());
        Question a = r.questions().get(0);
        assertEquals("1", a.questionId());
        assertEquals("a.png", a.image());
        assertEquals("Is there a cat?", a.text());
        assertEquals("yes", a.label());
        assertEquals("random", a.category());
        assertEquals(1, a.line());
        assertArrayEquals(new double[] {1, 2.5, 30, 40}, a.box());
        assertEquals("cat", a.object());
        Question b = r.questions().get(1);
        assertEquals("q-2", b.questionId());
        assertNull(b.label());
        assertNull(b.category());
        assertNull(b.box());
        assertNull(b.object());
        assertEquals(2, b.line());
        assertEquals("7", r.questions().get(2).questionId());
        assertNull(r.questions().get(2).label());
    }

    @Test
    void everyBadLineKindBecomesAnErrorRowWithItsLineNumber() throws IOException {
        QuestionReader.Result r = QuestionReader.read(write(
                "{\"question_id\": 1, \"image\": \"a.png\", \"text\": \"ok\"}",           // 1 ok
                "{\"question_id\": 2, \"image\": \"a.png\", \"text\": \"unterminated\"",  // 2 malformed
                "",                                                                       // 3 blank
                "[1, 2, 3]",                                                              // 4 not an object
                "{\"question_id\": 3, \"image\": \"a.png\"}",                             // 5 no text
                "{\"question_id\": 4, \"text\": \"no image\"}",                           // 6 no image
                "{\"question_id\": 1, \"image\": \"b.png\", \"text\": \"dup\"}",          // 7 duplicate of line 1
                "{\"image\": \"a.png\", \"text\": \"no id\"}",                            // 8 no id
                "   ",                                                                    // 9 blank
                "{\"question_id\": 5, \"image\": \"a.png\", \"text\": \"  \"}",           // 10 empty text
                "{\"question_id\": 6, \"image\": \"a.png\", \"text\": \"t\", \"label\": 1}", // 11 label type
                "{\"question_id\": 7, \"image\": \"a.png\", \"text\": \"t\", \"box\": [1, 2, 3]}", // 12 box size
                "{\"question_id\": 8, \"image\": \"a.png\", \"text\": \"t\", \"box\": [5, 2, 3, 4]}", // 13 x1 < x0
                "{question_id: 9, \"image\": \"a.png\", \"text\": \"t\"}",                // 14 unquoted name
                "{\"question_id\": 10, \"image\": \"a.png\", \"text\": \"t\"} extra",     // 15 trailing content
                "\"just a string\"",                                                      // 16 not an object
                "{\"question_id\": 1.0, \"image\": \"a.png\", \"text\": \"dup as 1.0\"}", // 17 duplicate of line 1
                "{\"question_id\": true, \"image\": \"a.png\", \"text\": \"t\"}",         // 18 id type
                "{\"question_id\": 11, \"image\": \"a.png\", \"text\": \"fine\"}"));      // 19 ok
        List<Integer> lines = r.errors().stream().map(InputError::line).toList();
        assertEquals(List.of(2, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18), lines);
        assertEquals(List.of(1, 19), r.questions().stream().map(Question::line).toList());
        assertEquals(new QuestionReader.Counts(19, 2, 15, 2), r.counts());
        assertEquals(r.counts().lines(), r.counts().questions() + r.counts().errors() + r.counts().blank());
        for (InputError e : r.errors()) {
            assertEquals("read", e.stage());
        }
        assertReason(r, 2, null, "malformed JSON");
        assertReason(r, 4, null, "not a JSON object");
        assertReason(r, 5, "3", "missing field 'text'");
        assertReason(r, 6, "4", "missing field 'image'");
        assertReason(r, 7, "1", "duplicate question_id 1");
        assertReason(r, 8, null, "missing field 'question_id'");
        assertReason(r, 10, "5", "field 'text' is empty");
        assertReason(r, 11, "6", "field 'label' must be a string");
        assertReason(r, 12, "7", "field 'box' must be [x0, y0, x1, y1]");
        assertReason(r, 13, "8", "x0 <= x1");
        assertReason(r, 14, null, "malformed JSON");
        assertReason(r, 15, null, "malformed JSON: unexpected content");
        assertReason(r, 16, null, "not a JSON object");
        assertReason(r, 17, "1", "duplicate question_id 1");
        assertReason(r, 18, null, "field 'question_id' must be a number or a string");
    }

    private static void assertReason(QuestionReader.Result r, int line, String id, String reason) {
        InputError e = r.errors().stream().filter(x -> x.line() == line).findFirst().orElseThrow();
        assertEquals(id, e.questionId(), "question id of the error on line " + line);
        assertTrue(e.reason().contains(reason), "line " + line + ": '" + e.reason() + "' should contain '" + reason + "'");
    }

    @Test
    void streamsRowsInFileOrder() throws IOException {
        List<String> seen = new ArrayList<>();
        QuestionReader.Counts c = QuestionReader.forEach(write(
                "{\"question_id\": 1, \"image\": \"a.png\", \"text\": \"x\"}",
                "oops",
                "{\"question_id\": 2, \"image\": \"a.png\", \"text\": \"y\"}"),
                row -> seen.add(row instanceof Question q ? "q" + q.questionId() : "e" + ((InputError) row).line()));
        assertEquals(List.of("q1", "e2", "q2"), seen);
        assertEquals(new QuestionReader.Counts(3, 2, 1, 0), c);
    }

    @Test
    void invalidUtf8IsAnErrorRowForThatLineOnly() throws IOException {
        Path f = dir.resolve("bad.jsonl");
        byte[] good = "\uFEFF{\"question_id\": 1, \"image\": \"a.png\", \"text\": \"x\"}\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};
        byte[] last = "{\"question_id\": 2, \"image\": \"a.png\", \"text\": \"\u00e9t\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        all.writeBytes(good);
        all.writeBytes(bad);
        all.writeBytes(last);
        Files.write(f, all.toByteArray());
        QuestionReader.Result r = QuestionReader.read(f);
        assertEquals(new QuestionReader.Counts(3, 2, 1, 0), r.counts());
        assertEquals(2, r.errors().get(0).line());
        assertEquals("not valid UTF-8", r.errors().get(0).reason());
        assertEquals("x", r.questions().get(0).text());
        assertEquals("\u00e9t\u00e9", r.questions().get(1).text());
        assertEquals(3, r.questions().get(1).line());
    }

    @Test
    void readsPopeLabelFiles() throws IOException {
        Path f = dir.resolve("labels.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"question_id\": 1, \"label\": \"yes\"}",
                "{\"question_id\": 2, \"text\": \"no\"}",
                "",
                "{\"question_id\": 1, \"label\": \"no\"}",
                "{\"question_id\": 3}",
                "{\"question_id\": 4, \"label\": \"no\"")
                + "\n");
        PopeLabels l = PopeLabels.read(f);
        assertEquals("yes", l.label("1"));
        assertEquals("no", l.label("2"));
        assertNull(l.label("3"));
        assertEquals(List.of(4, 5, 6), l.errors().stream().map(InputError::line).toList());
        assertEquals("1", l.errors().get(0).questionId());
        assertTrue(l.errors().get(0).reason().contains("duplicate question_id 1"));
        assertTrue(l.errors().get(1).reason().contains("field 'label' (or 'text')"));
        assertTrue(l.errors().get(2).reason().contains("malformed JSON"));
        assertEquals(6, l.lines());
        assertEquals(l.lines(), l.labels().size() + l.errors().size() + l.blank());
    }

    @Test
    void cocoBboxBecomesCorners() {
        QuestionReader r = new QuestionReader();
        QuestionReader.Row row = r.parse("{\"question_id\": 1, \"image\": \"a.png\", \"text\": \"Is there a dog?\", \"bbox\": [10, 20, 30, 40]}");
        assertArrayEquals(new double[] {10, 20, 40, 60}, ((Question) row).box());
        QuestionReader.Row bad = r.parse("{\"question_id\": 2, \"image\": \"a.png\", \"text\": \"Is there a dog?\", \"bbox\": [10, 20, 30]}");
        assertTrue(((InputError) bad).reason().contains("'bbox'"), ((InputError) bad).reason());
    }
}
