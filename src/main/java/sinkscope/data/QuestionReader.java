package sinkscope.data;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads LLaVA/POPE question JSONL one line at a time. Each non-blank line is one JSON object with
 * {@code question_id} (number or string), {@code image}, {@code text}, and optionally {@code label},
 * {@code category}, {@code box} ({@code [x0, y0, x1, y1]}, or COCO's {@code bbox} {@code [x, y, w, h]}) and
 * {@code object}, and for benchmarks other than POPE {@code benchmark}, {@code task} ({@code yes_no}, {@code choice},
 * {@code open}, {@code caption}; default: the benchmark's), {@code options} (array of option texts, A first),
 * {@code answers} (reference answers: strings, or VQA's {@code {"answer": ...}} objects; for a caption its
 * ground-truth objects, also accepted as {@code objects}) and {@code group} (string or number); other fields are
 * ignored. A multiple-choice question needs at least two options and, when labelled, a label that is one of their
 * letters.
 *
 * <p>Each non-blank line yields exactly one {@link Row}: a {@link Question}, or an {@link InputError} (stage
 * {@code "read"}) for a line that is not valid UTF-8, malformed JSON, a line that is not an object, a missing or
 * empty {@code question_id}, {@code text} or {@code image}, a field of the wrong type, a bad {@code box}, or a
 * {@code question_id} already seen on an earlier line (the later line is the error). Blank lines are skipped and counted, so
 * {@code lines == questions + errors + blank}.
 *
 * <p>JSON is parsed strictly (no comments, unquoted names or trailing content). A numeric id is normalised to
 * its integer form ({@code 7.0} and {@code 7} are both {@code "7"}), so the two collide as duplicates.
 */
public final class QuestionReader {

    /** What one line yields: a {@link Question} or an {@link InputError}. */
    public sealed interface Row permits Question, InputError {}

    /** How many lines were read and what they became; {@code lines == questions + errors + blank}. */
    public record Counts(int lines, int questions, int errors, int blank) {}

    /** A whole file read into memory. */
    public record Result(List<Question> questions, List<InputError> errors, Counts counts) {}

    private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);

    private final Set<String> seen = new HashSet<>();
    private int lines;
    private int questions;
    private int errors;
    private int blank;

    /** Reads the whole file, keeping questions and errors in file order. */
    public static Result read(Path file) throws IOException {
        List<Question> qs = new ArrayList<>();
        List<InputError> errs = new ArrayList<>();
        Counts counts = forEach(file, row -> {
            if (row instanceof Question q) {
                qs.add(q);
            } else {
                errs.add((InputError) row);
            }
        });
        return new Result(qs, errs, counts);
    }

    /** Streams the file line by line into {@code sink}; holds only the set of ids seen. */
    public static Counts forEach(Path file, Consumer<Row> sink) throws IOException {
        QuestionReader reader = new QuestionReader();
        Utf8Lines.forEach(file, line -> {
            Row row = reader.parse(line);
            if (row != null) {
                sink.accept(row);
            }
        });
        return reader.counts();
    }

    /**
     * Parses the next line (line numbers count every call, from 1); {@code null} stands for a line that is not
     * valid UTF-8. Returns {@code null} for a blank line.
     */
    public Row parse(String text) {
        lines++;
        if (text != null && text.isBlank()) {
            blank++;
            return null;
        }
        Row row = text == null ? error(null, lines, "not valid UTF-8") : parseObject(text, lines);
        if (row instanceof Question q && !seen.add(q.questionId())) {
            row = new InputError(q.questionId(), lines, "read", "duplicate question_id " + q.questionId());
        }
        if (row instanceof Question) {
            questions++;
        } else {
            errors++;
        }
        return row;
    }

    public Counts counts() {
        return new Counts(lines, questions, errors, blank);
    }

    private static Row parseObject(String text, int line) {
        JsonObject o;
        String id;
        try {
            o = jsonObject(text);
            id = questionId(o.get("question_id"));
        } catch (IllegalArgumentException e) {
            return error(null, line, e.getMessage());
        }
        try {
            String image = requiredString(o, "image");
            String question = requiredString(o, "text");
            String label = optionalString(o, "label");
            String category = optionalString(o, "category");
            String object = optionalString(o, "object");
            double[] box = o.has("box") ? box(o.get("box"), "box", false) : box(o.get("bbox"), "bbox", true);
            String benchmark = optionalString(o, "benchmark");
            String task = optionalString(o, "task");
            if (task != null && !sinkscope.eval.TaskScore.TASKS.contains(task)) {
                throw new IllegalArgumentException("field 'task' must be one of " + sinkscope.eval.TaskScore.TASKS + ", got '" + task + "'");
            }
            List<String> options = strings(o, "options", null);
            List<String> answers = strings(o, o.has("answers") ? "answers" : "objects", "answer");
            String group = o.has("group") && o.get("group").isJsonPrimitive() ? o.get("group").getAsString() : optionalString(o, "group");
            // a multiple-choice question: its task says so, or (task from its benchmark) it lists options
            if (sinkscope.eval.TaskScore.CHOICE.equals(task) || (task == null && !options.isEmpty())) {
                if (options.size() < 2 || options.size() > 26) {
                    throw new IllegalArgumentException("field 'options' must hold 2 to 26 option texts for a multiple-choice question, got "
                            + options.size());
                }
                if (label != null) {
                    String l = label.trim().toUpperCase(java.util.Locale.ROOT);
                    if (l.length() != 1 || l.charAt(0) < 'A' || l.charAt(0) >= 'A' + options.size()) {
                        throw new IllegalArgumentException("field 'label': '" + label + "' is not an option letter (A-"
                                + (char) ('A' + options.size() - 1) + ")");
                    }
                }
            }
            return new Question(id, image, question, label, category, line, box, object, benchmark, task, options, answers, group);
        } catch (IllegalArgumentException e) {
            return error(id, line, e.getMessage());
        }
    }

    private static InputError error(String id, int line, String reason) {
        return new InputError(id, line, "read", reason);
    }

    /** Parses one line as a JSON object, strictly; the message says what is wrong. */
    static JsonObject jsonObject(String text) {
        JsonReader reader = new JsonReader(new StringReader(text));
        JsonElement json;
        try {
            json = JSON.read(reader);
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("malformed JSON: " + gsonMessage(e), e);
        }
        if (!atEnd(reader)) {
            throw new IllegalArgumentException("malformed JSON: unexpected content after the value");
        }
        if (!json.isJsonObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        return json.getAsJsonObject();
    }

    private static boolean atEnd(JsonReader reader) {
        try {
            return reader.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException e) {
            return false;
        }
    }

    /** Gson's message without its advice, by column: "Unterminated object at column 58 (path $.text)". */
    private static String gsonMessage(Exception e) {
        String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        return m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON ", "syntax error ")
                .replaceAll("at line \\d+ column (\\d+) path (\\S+)", "at column $1 (path $2)");
    }

    /** A number (normalised to an integer when it is one) or a non-empty string. */
    static String questionId(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            throw new IllegalArgumentException("missing field 'question_id'");
        }
        if (!e.isJsonPrimitive() || e.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException("field 'question_id' must be a number or a string, got " + e);
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isNumber()) {
            BigDecimal d = new BigDecimal(p.getAsString());
            BigDecimal stripped = d.stripTrailingZeros();
            return stripped.scale() <= 0 ? stripped.toBigInteger().toString() : stripped.toPlainString();
        }
        String s = p.getAsString().trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("field 'question_id' is empty");
        }
        return s;
    }

    private static String requiredString(JsonObject o, String field) {
        String s = optionalString(o, field);
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException(s == null ? "missing field '" + field + "'" : "field '" + field + "' is empty");
        }
        return s;
    }

    private static String optionalString(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("field '" + field + "' must be a string, got " + e);
        }
        return e.getAsString();
    }

    /**
     * An optional array of strings; with {@code key}, an element may also be an object whose {@code key} field is the
     * string (VQA's {@code {"answer": "two", "answer_confidence": "yes"}}).
     */
    private static List<String> strings(JsonObject o, String field, String key) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return List.of();
        }
        if (!e.isJsonArray()) {
            throw new IllegalArgumentException("field '" + field + "' must be an array of strings, got " + e);
        }
        List<String> out = new ArrayList<>();
        for (JsonElement v : e.getAsJsonArray()) {
            if (key != null && v.isJsonObject() && v.getAsJsonObject().has(key) && v.getAsJsonObject().get(key).isJsonPrimitive()) {
                out.add(v.getAsJsonObject().get(key).getAsString());
            } else if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
                out.add(v.getAsString());
            } else {
                throw new IllegalArgumentException("field '" + field + "' must hold strings" + (key == null ? "" : " or {\"" + key + "\": ...} objects")
                        + ", got " + v);
            }
        }
        return out;
    }

    /** {@code box} is {@code [x0, y0, x1, y1]}; {@code bbox} is COCO's {@code [x, y, w, h]}, returned as corners. */
    private static double[] box(JsonElement e, String field, boolean coco) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonArray() || e.getAsJsonArray().size() != 4) {
            throw new IllegalArgumentException("field '" + field + "' must be " + (coco ? "[x, y, w, h]" : "[x0, y0, x1, y1]") + ", got " + e);
        }
        JsonArray a = e.getAsJsonArray();
        double[] box = new double[4];
        for (int i = 0; i < 4; i++) {
            JsonElement v = a.get(i);
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                throw new IllegalArgumentException("field '" + field + "' must hold 4 numbers, got " + e);
            }
            box[i] = v.getAsDouble();
            if (!Double.isFinite(box[i]) || box[i] < 0) {
                throw new IllegalArgumentException("field '" + field + "' must hold non-negative finite numbers, got " + e);
            }
        }
        if (coco) {
            box[2] += box[0];
            box[3] += box[1];
        }
        if (box[2] < box[0] || box[3] < box[1]) {
            throw new IllegalArgumentException("field '" + field + "' needs x0 <= x1 and y0 <= y1, got " + e);
        }
        return box;
    }
}
