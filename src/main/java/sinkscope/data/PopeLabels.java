package sinkscope.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A POPE label file read separately from the questions: JSONL lines {@code {"question_id": .., "label": "yes"}}
 * (POPE's official files name the answer {@code label}; answer-style files name it {@code text}, used when
 * {@code label} is absent). Ids are normalised as in {@link QuestionReader}. Malformed lines, lines without an id
 * or a string label, and repeated ids become {@link InputError}s (stage {@code "labels"}); blank lines are skipped.
 *
 * @param labels question id to label, in file order
 * @param errors the lines that could not be used
 * @param lines lines read, {@code lines == labels.size() + errors.size() + blank}
 * @param blank blank lines skipped
 */
public record PopeLabels(Map<String, String> labels, List<InputError> errors, int lines, int blank) {

    public PopeLabels {
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        errors = List.copyOf(errors);
    }

    /** The label for a question id, or {@code null}. */
    public String label(String questionId) {
        return labels.get(questionId);
    }

    public static PopeLabels read(Path file) throws IOException {
        Map<String, String> labels = new LinkedHashMap<>();
        List<InputError> errors = new ArrayList<>();
        int[] count = new int[2];
        Utf8Lines.forEach(file, line -> {
            int number = ++count[0];
            if (line != null && line.isBlank()) {
                count[1]++;
                return;
            }
            String id = null;
            try {
                if (line == null) {
                    throw new IllegalArgumentException("not valid UTF-8");
                }
                JsonObject o = QuestionReader.jsonObject(line);
                id = QuestionReader.questionId(o.get("question_id"));
                JsonElement label = o.has("label") ? o.get("label") : o.get("text");
                if (label == null || !label.isJsonPrimitive() || !label.getAsJsonPrimitive().isString()) {
                    throw new IllegalArgumentException("field 'label' (or 'text') must be a string, got " + label);
                }
                if (labels.putIfAbsent(id, label.getAsString().trim()) != null) {
                    throw new IllegalArgumentException("duplicate question_id " + id);
                }
            } catch (IllegalArgumentException e) {
                errors.add(new InputError(id, number, "labels", e.getMessage()));
            }
        });
        return new PopeLabels(labels, errors, count[0], count[1]);
    }
}
