package sinkscope.data;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The judge-scored benchmarks in their published layouts, as {@link JudgeQuestion}s (SinkScope asks them and writes the
 * answers for the judge, {@link sinkscope.eval.JudgeFiles}; it scores nothing):
 * <ul>
 *   <li>MM-Vet ({@link #mmVet}), {@code mm-vet.json}: an object keyed by question id, {@code {"v1_0": {"imagename":
 *       "v1_0.png", "question", "answer", "capability": ["ocr", "math"]}, ...}}; the category is the capabilities
 *       joined by {@code ,}, the reference the {@code answer} (the judge's, kept for the record); images in
 *       {@code images/} beside the file.</li>
 *   <li>LLaVA-Bench in the wild ({@link #llavaBench}), {@code questions.jsonl}: {@code {"question_id": 0, "image":
 *       "001.jpg", "text", "category": "conv"}} per line; images in {@code images/} beside the file.</li>
 * </ul>
 * A missing or empty field, a repeated id and a line that is no JSON object are errors naming the file, line and field.
 */
public final class JudgeReaders {

    /** One question: its id, image file name, text, category (may be null), the judge's reference answer (may be null). */
    public record JudgeQuestion(String id, String image, String question, String category, String reference, int line) {}

    private JudgeReaders() {}

    public static BenchmarkRead<JudgeQuestion> mmVet(Path file) throws IOException {
        BenchmarkRead<JudgeQuestion> out = new BenchmarkRead<>();
        String f = file.toString();
        VqaReader.end(out, JsonItems.members(file, null, (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "question " + key);
                String category = null;
                if (o.has("capability") && !o.get("capability").isJsonNull()) {
                    category = String.join(",", Fields.strings(o, "capability"));
                }
                out.items().add(new JudgeQuestion(key, Fields.string(o, "imagename"), Fields.string(o, "question"), category,
                        Fields.optString(o, "answer"), line));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
            }
        }));
        return out;
    }

    public static BenchmarkRead<JudgeQuestion> llavaBench(Path jsonl) throws IOException {
        BenchmarkRead<JudgeQuestion> out = new BenchmarkRead<>();
        Set<String> seen = new HashSet<>();
        JsonItems.lines(jsonl, out, (line, o) -> {
            String id = Fields.id(o, "question_id");
            if (!seen.add(id)) {
                throw new Fields.Bad("question_id", "duplicate question_id " + id);
            }
            out.items().add(new JudgeQuestion(id, Fields.string(o, "image"), Fields.string(o, "text"), Fields.optString(o, "category"),
                    null, line));
        });
        return out;
    }
}
