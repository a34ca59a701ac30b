package sinkscope.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Predictions in the formats the benchmarks' own scripts take:
 * <ul>
 *   <li>a JSONL as LLaVA's {@code model_vqa*.py} writes it: one object per line with {@code question_id} and the
 *       generated {@code text} (or {@code answer}), optionally {@code prompt}, {@code round_id} (MMBench's option
 *       rotations), {@code config}, {@code category} and {@code label}; other fields are ignored; blank lines are
 *       skipped;</li>
 *   <li>a JSON array of results: {@code [{"question_id", "answer"}]} as {@code vqaEval.py} and the VQAv2 and TextVQA
 *       evaluation servers take it, {@code [{"image", "answer"}]} as VizWiz's takes it (the image file is its id), or {@code [{"questionId", "prediction"}]} as GQA's {@code eval.py} takes it
 *       (LLaVA's {@code convert_gqa_for_eval.py} writes it).</li>
 * </ul>
 * A file starting with {@code [} is read as an array. A malformed record, a record without id or answer, or an id
 * repeated within one config and round is an error naming the line and field.
 */
public final class PredictionReader {

    /** One prediction. {@code config} is null unless the line names one; {@code round} is 0 by default. */
    public record Prediction(String questionId, String answer, String prompt, int round, String config,
                             String category, String label, int line) {}

    private PredictionReader() {}

    public static BenchmarkRead<Prediction> read(Path file) throws IOException {
        return isArray(file) ? array(file) : lines(file);
    }

    private static boolean isArray(Path file) throws IOException {
        try (java.io.Reader r = java.nio.file.Files.newBufferedReader(file, java.nio.charset.StandardCharsets.UTF_8)) {
            int c;
            do {
                c = r.read();
            } while (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0xFEFF);
            return c == '[';
        } catch (java.nio.charset.MalformedInputException e) {
            return false;
        }
    }

    private static BenchmarkRead<Prediction> array(Path file) throws IOException {
        BenchmarkRead<Prediction> out = new BenchmarkRead<>();
        String f = file.toString();
        Set<String> seen = new HashSet<>();
        VqaReader.end(out, JsonItems.array(file, null, (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "result");
                boolean gqa = o.has("questionId");
                String idField = gqa ? "questionId" : o.has("question_id") || !o.has("image") ? "question_id" : "image";
                String id = Fields.id(o, idField);
                String field = gqa ? "prediction" : o.has("answer") ? "answer" : "text";
                String answer = Fields.optString(o, field);
                if (answer == null) {
                    throw new Fields.Bad(field, "missing");
                }
                if (!seen.add(id)) {
                    throw new Fields.Bad(idField, "duplicate id " + id);
                }
                out.items().add(new Prediction(id, answer, null, 0, null, null, null, line));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
            }
        }));
        return out;
    }

    private static BenchmarkRead<Prediction> lines(Path file) throws IOException {
        BenchmarkRead<Prediction> out = new BenchmarkRead<>();
        Set<String> seen = new HashSet<>();
        JsonItems.lines(file, out, (line, o) -> {
            String id = Fields.id(o, "question_id");
            String field = o.has("text") ? "text" : "answer";
            String answer = Fields.optString(o, field);
            if (answer == null) {
                throw new Fields.Bad("text", "missing (neither 'text' nor 'answer')");
            }
            int round = 0;
            JsonElement r = o.get("round_id");
            if (r != null && !r.isJsonNull()) {
                round = (int) Fields.integer(o, "round_id");
            }
            String config = Fields.optString(o, "config");
            if (!seen.add(config + "\u0000" + round + "\u0000" + id)) {
                throw new Fields.Bad("question_id", "duplicate question_id " + id
                        + (round != 0 ? " in round " + round : "") + (config != null ? " of config " + config : ""));
            }
            out.items().add(new Prediction(id, answer, Fields.optString(o, "prompt"), round, config,
                    Fields.optString(o, "category"), Fields.optString(o, "label"), line));
        });
        return out;
    }
}
