package sinkscope.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Open-answer benchmarks in their published layouts, each question with its human answers:
 * <ul>
 *   <li>VQAv2 ({@link #vqav2}): {@code v2_mscoco_val2014_annotations.json}, {@code {"annotations": [{"question_id",
 *       "image_id", "answer_type", "question_type", "answers": [{"answer", "answer_confidence", "answer_id"}]}]}},
 *       and optionally the questions file {@code v2_OpenEnded_mscoco_val2014_questions.json},
 *       {@code {"questions": [{"question_id", "image_id", "question"}]}}, for the question texts.</li>
 *   <li>TextVQA ({@link #textvqa}): {@code TextVQA_0.5.1_val.json}, {@code {"data": [{"question_id", "image_id",
 *       "question", "answers": [10 strings]}]}}; its Rosetta OCR tokens ({@link #textvqaOcr}) are a separate file.</li>
 *   <li>VizWiz ({@link #vizwiz}): {@code val.json}, {@code [{"image", "question", "answers": [{"answer",
 *       "answer_confidence"}], "answer_type", "answerable"}]}; the question id is the image file name (VizWiz has
 *       one question per image and its submissions are keyed by {@code image}).</li>
 * </ul>
 * A record without an id, question text (where the layout has one in the same file) or a non-empty answer list
 * is an error naming the field; so is a repeated question id and, for VQAv2, a question id of the questions file
 * without annotation.
 */
public final class VqaReader {

    /** One question. {@code question} is null when only the VQAv2 annotations were given. */
    public record VqaQuestion(String questionId, String image, String question, List<String> answers,
                              String answerType, int line) {}

    private VqaReader() {}

    public static BenchmarkRead<VqaQuestion> vqav2(Path annotations, Path questions) throws IOException {
        Map<String, String> texts = new HashMap<>();
        Map<String, Integer> textLines = new HashMap<>();
        BenchmarkRead<VqaQuestion> out = new BenchmarkRead<>();
        String qf = questions == null ? null : questions.toString();
        if (questions != null) {
            end(out, JsonItems.array(questions, "questions", (line, key, v) -> {
                try {
                    JsonObject o = Fields.object(v, "question");
                    String id = Fields.id(o, "question_id");
                    texts.put(id, Fields.string(o, "question"));
                    textLines.put(id, line);
                } catch (Fields.Bad e) {
                    out.errors().add(Fields.error(qf, line, e));
                }
            }));
        }
        Set<String> seen = new HashSet<>();
        String af = annotations.toString();
        end(out, JsonItems.array(annotations, "annotations", (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "annotation");
                String id = Fields.id(o, "question_id");
                if (!seen.add(id)) {
                    throw new Fields.Bad("question_id", "duplicate question_id " + id);
                }
                String image = Fields.id(o, "image_id");
                List<String> answers = answerDicts(o);
                out.items().add(new VqaQuestion(id, image, texts.get(id), answers, Fields.optString(o, "answer_type"), line));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(af, line, e));
            }
        }));
        if (questions != null) {
            for (String id : new java.util.TreeSet<>(texts.keySet())) {
                if (!seen.contains(id)) {
                    out.errors().add(new ReadError(qf, textLines.get(id), "question_id", "question " + id + " has no annotation"));
                }
            }
        }
        return out;
    }

    public static BenchmarkRead<VqaQuestion> textvqa(Path file) throws IOException {
        BenchmarkRead<VqaQuestion> out = new BenchmarkRead<>();
        Set<String> seen = new HashSet<>();
        String f = file.toString();
        end(out, JsonItems.array(file, "data", (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "record");
                String id = Fields.id(o, "question_id");
                if (!seen.add(id)) {
                    throw new Fields.Bad("question_id", "duplicate question_id " + id);
                }
                out.items().add(new VqaQuestion(id, Fields.id(o, "image_id"), Fields.string(o, "question"),
                        Fields.strings(o, "answers"), Fields.optString(o, "answer_type"), line));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
            }
        }));
        return out;
    }

    /** One image's Rosetta OCR tokens ({@code TextVQA_Rosetta_OCR_v0.2_val.json}: {@code {"data": [{"image_id", "ocr_tokens"}]}}). */
    public record OcrTokens(String imageId, List<String> tokens, int line) {}

    /** The OCR tokens per image; an image without {@code ocr_tokens} (or with an empty list) has none. */
    public static BenchmarkRead<OcrTokens> textvqaOcr(Path file) throws IOException {
        BenchmarkRead<OcrTokens> out = new BenchmarkRead<>();
        String f = file.toString();
        end(out, JsonItems.array(file, "data", (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "record");
                String image = Fields.id(o, "image_id");
                com.google.gson.JsonElement t = o.get("ocr_tokens");
                boolean none = t == null || t.isJsonNull() || (t.isJsonArray() && t.getAsJsonArray().isEmpty());
                List<String> tokens = none ? List.of() : Fields.strings(o, "ocr_tokens");
                out.items().add(new OcrTokens(image, tokens, line));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
            }
        }));
        return out;
    }

    public static BenchmarkRead<VqaQuestion> vizwiz(Path file) throws IOException {
        BenchmarkRead<VqaQuestion> out = new BenchmarkRead<>();
        Set<String> seen = new HashSet<>();
        String f = file.toString();
        end(out, JsonItems.array(file, null, (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "record");
                String image = Fields.string(o, "image");
                if (!seen.add(image)) {
                    throw new Fields.Bad("image", "duplicate image " + image);
                }
                out.items().add(new VqaQuestion(image, image, Fields.string(o, "question"), answerDicts(o),
                        Fields.optString(o, "answer_type"), line));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
            }
        }));
        return out;
    }

    /** {@code answers: [{"answer": ...}, ...]}, non-empty. */
    private static List<String> answerDicts(JsonObject o) {
        JsonArray a = Fields.array(o, "answers");
        List<String> answers = new ArrayList<>();
        for (JsonElement e : a) {
            if (!e.isJsonObject()) {
                throw new Fields.Bad("answers", "must hold objects with 'answer', got " + Fields.shorten(e.toString()));
            }
            try {
                answers.add(Fields.string(e.getAsJsonObject(), "answer"));
            } catch (Fields.Bad b) {
                if (b.getMessage().equals("empty")) {
                    answers.add(""); // an empty human answer is still one of the ten
                } else {
                    throw new Fields.Bad("answers[" + answers.size() + "].answer", b.getMessage());
                }
            }
        }
        if (answers.isEmpty()) {
            throw new Fields.Bad("answers", "empty");
        }
        return answers;
    }

    static <T> void end(BenchmarkRead<T> out, ReadError early) {
        if (early != null) {
            out.errors().add(early);
        }
    }
}
