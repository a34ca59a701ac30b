package sinkscope.data;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;

/**
 * GQA's {@code testdev_balanced_questions.json}: an object of question id to {@code {"imageId", "question",
 * "answer", "types": {"structural", "semantic", "detailed"}, ...}}. LLaVA's converted question file
 * ({@code llava_gqa_testdev_balanced.jsonl}: {@code question_id}, {@code image}, {@code text}) is read by
 * {@link QuestionReader}; its ids are these keys. A question without image, text or answer is an error naming
 * the field. The category is {@code types.structural} (verify, query, choose, logical, compare). A question with
 * {@code "isBalanced": false} is skipped: {@code eval.py} scores the balanced ones only.
 */
public final class GqaReader {

    /** One question. */
    public record GqaQuestion(String questionId, String image, String question, String answer, String category,
                              int line) {}

    private GqaReader() {}

    public static BenchmarkRead<GqaQuestion> read(Path file) throws IOException {
        BenchmarkRead<GqaQuestion> out = new BenchmarkRead<>();
        String f = file.toString();
        VqaReader.end(out, JsonItems.members(file, null, (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "question " + key);
                if (o.has("isBalanced") && o.get("isBalanced").isJsonPrimitive() && !o.get("isBalanced").getAsBoolean()) {
                    return; // eval.py scores the balanced questions only
                }
                String category = null;
                if (o.has("types") && o.get("types").isJsonObject()) {
                    category = Fields.optString(o.getAsJsonObject("types"), "structural");
                }
                out.items().add(new GqaQuestion(key, Fields.id(o, "imageId"), Fields.string(o, "question"),
                        Fields.string(o, "answer"), category, line));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
            }
        }));
        return out;
    }
}
