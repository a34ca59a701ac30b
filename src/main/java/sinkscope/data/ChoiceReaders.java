package sinkscope.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The multiple-choice benchmarks other than MMBench, in their published layouts, as {@link ChoiceQuestion}s:
 * <ul>
 *   <li>ScienceQA ({@link #scienceQa}), LLaVA's converted {@code llava_test_CQM-I.json} / {@code -A.json}: a JSON
 *       array of {@code {"id", "image"?, "conversations": [{"from": "human", "value"}, {"from": "gpt", "value"}]}};
 *       the options are the {@code (A) ... (B) ...} after {@code Options:} in the human turn, the answer the gpt
 *       turn's {@code "The answer is X."} or bare letter {@code X}. Questions without an image are kept
 *       ({@code image} null): ScienceQA-IMG is the ones with.</li>
 *   <li>SEED-Bench ({@link #seed}), {@code SEED-Bench.json}: {@code {"questions": [{"question_id", "question",
 *       "choice_a".."choice_d", "answer", "data_type", "question_type_id", "data_id"}], "question_type": {name:
 *       id}}}; the category is the question type's name; {@code image} is {@code data_id}. Video questions
 *       ({@code data_type} video) are kept with their data type as {@code split}.</li>
 *   <li>CV-Bench ({@link #cvBench}), {@code test.jsonl}: {@code {"idx", "type", "task", "image", "question",
 *       "choices": [...], "answer": "(A)", "source"}}; category = task, split = source (ADE20K, COCO, Omni3D).</li>
 *   <li>MMVP ({@link #mmvp}), {@code Questions.csv} with header {@code Index,Question,Options,Correct Answer}:
 *       {@code 1,Are the butterfly's feet visible?,(a) Yes (b) No,(a)}; the image is {@code MMVP Images/<Index>.jpg}
 *       beside the csv; the pair of question {@code i} is {@code (i - 1) / 2} (questions 1-2, 3-4, ...).</li>
 * </ul>
 * Missing fields, fewer than two options, an answer that is not one of the option letters, repeated ids and
 * (MMVP) a missing image are errors naming the file, line and field.
 */
public final class ChoiceReaders {

    /**
     * One question: {@code answer} is the 0-based index of the right option; {@code group} pairs questions that
     * are scored together (MMVP), else the id.
     */
    public record ChoiceQuestion(String id, String image, String question, List<String> options, int answer,
                                 String category, String split, String group, int line) {}

    private static final Pattern SQA_OPTION = Pattern.compile("\\(([A-Z])\\) ");
    private static final Pattern SQA_ANSWER = Pattern.compile("^(?:The answer is )?([A-Z])\\.?$");
    private static final Pattern MMVP_OPTION = Pattern.compile("\\(([a-z])\\)\\s*");
    private static final Pattern LETTER = Pattern.compile("^\\(?([A-Za-z])\\)?$");

    private ChoiceReaders() {}

    public static BenchmarkRead<ChoiceQuestion> scienceQa(Path file) throws IOException {
        BenchmarkRead<ChoiceQuestion> out = new BenchmarkRead<>();
        String f = file.toString();
        Set<String> seen = new HashSet<>();
        VqaReader.end(out, JsonItems.array(file, null, (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "record");
                String id = unique(seen, Fields.id(o, "id"), "id");
                String human = null;
                String gpt = null;
                for (JsonElement t : Fields.array(o, "conversations")) {
                    JsonObject turn = Fields.object(t, "conversation turn");
                    String from = Fields.optString(turn, "from");
                    if ("human".equals(from) && human == null) {
                        human = Fields.string(turn, "value");
                    } else if ("gpt".equals(from) && gpt == null) {
                        gpt = Fields.string(turn, "value");
                    }
                }
                if (human == null) {
                    throw new Fields.Bad("conversations", "no human turn");
                }
                if (gpt == null) {
                    throw new Fields.Bad("conversations", "no gpt turn (the answer)");
                }
                int at = human.indexOf("Options:");
                if (at < 0) {
                    throw new Fields.Bad("conversations[0].value", "no 'Options:' in the question");
                }
                String opts = human.substring(at + "Options:".length()).split("\n", 2)[0];
                List<String> options = splitOptions(SQA_OPTION.matcher(opts), opts, 'A');
                if (options.size() < 2) {
                    throw new Fields.Bad("conversations[0].value", "fewer than two options '(A) ... (B) ...'");
                }
                Matcher m = SQA_ANSWER.matcher(gpt.trim());
                if (!m.find()) {
                    throw new Fields.Bad("conversations[1].value", "no answer letter in '" + Fields.shorten(gpt) + "'");
                }
                int answer = index(m.group(1), options.size(), "conversations[1].value");
                out.items().add(new ChoiceQuestion(id, Fields.optString(o, "image"), human, options, answer, null,
                        null, id, line));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
            }
        }));
        return out;
    }

    /**
     * ScienceQA's own base folder, as {@code eval_science_qa.py --base-dir --split} reads it: {@code pid_splits.json}
     * ({@code {"test": [pid, ...], ...}}) picks the split's problems, in that order, from {@code problems.json}
     * ({@code {pid: {"question", "choices": [...], "answer": index, "hint", "image": "image.png" or null, "subject"}}});
     * id the pid, image {@code images/<split>/<pid>/<image>} (null for a text-only problem), category the subject. A pid of
     * the split that is not in {@code problems.json} is an error naming {@code pid_splits.json}.
     */
    public static BenchmarkRead<ChoiceQuestion> scienceQaProblems(Path dir, String split) throws IOException {
        BenchmarkRead<ChoiceQuestion> out = new BenchmarkRead<>();
        Path splits = dir.resolve("pid_splits.json");
        Path problems = dir.resolve("problems.json");
        for (Path f : List.of(splits, problems)) {
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("scienceqa: no " + f + " (the base folder holds problems.json and pid_splits.json)");
            }
        }
        java.util.Map<String, Integer> order = new java.util.LinkedHashMap<>();
        VqaReader.end(out, JsonItems.members(splits, null, (line, key, v) -> {
            if (key.equals(split) && v.isJsonArray()) {
                v.getAsJsonArray().forEach(e -> order.putIfAbsent(e.getAsString(), order.size()));
            }
        }));
        if (order.isEmpty()) {
            throw new IllegalArgumentException("scienceqa: " + splits + " has no split '" + split + "'");
        }
        ChoiceQuestion[] bySplit = new ChoiceQuestion[order.size()];
        String f = problems.toString();
        VqaReader.end(out, JsonItems.members(problems, null, (line, pid, v) -> {
            Integer at = order.get(pid);
            if (at == null) {
                return;
            }
            try {
                JsonObject o = Fields.object(v, "problem");
                List<String> choices = Fields.strings(o, "choices");
                if (choices.size() < 2) {
                    throw new Fields.Bad("choices", "fewer than two choices");
                }
                long answer = Fields.integer(o, "answer");
                if (answer < 0 || answer >= choices.size()) {
                    throw new Fields.Bad("answer", answer + " is not a choice index (0-" + (choices.size() - 1) + ")");
                }
                String image = Fields.optString(o, "image");
                bySplit[at] = new ChoiceQuestion(pid, image == null ? null : "images/" + split + "/" + pid + "/" + image, Fields.string(o, "question"),
                        choices, (int) answer, Fields.optString(o, "subject"), split, pid, line);
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
                bySplit[at] = new ChoiceQuestion(pid, null, "", List.of(), -1, null, null, null, -1);
            }
        }));
        for (java.util.Map.Entry<String, Integer> e : order.entrySet()) {
            ChoiceQuestion q = bySplit[e.getValue()];
            if (q == null) {
                out.errors().add(new ReadError(splits.toString(), -1, split, "problem " + e.getKey() + " is not in " + problems));
            } else if (q.answer() >= 0) {
                out.items().add(q);
            }
        }
        return out;
    }

    public static BenchmarkRead<ChoiceQuestion> seed(Path file) throws IOException {
        BenchmarkRead<ChoiceQuestion> out = new BenchmarkRead<>();
        String f = file.toString();
        Map<String, String> types = new HashMap<>();
        VqaReader.end(out, JsonItems.members(file, "question_type", (line, key, v) -> {
            if (v.isJsonPrimitive()) {
                types.put(v.getAsString(), key);
            }
        }));
        Set<String> seen = new HashSet<>();
        VqaReader.end(out, JsonItems.array(file, "questions", (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "question");
                String id = unique(seen, Fields.id(o, "question_id"), "question_id");
                List<String> options = new ArrayList<>();
                for (String c : List.of("choice_a", "choice_b", "choice_c", "choice_d")) {
                    options.add(Fields.string(o, c));
                }
                int answer = index(Fields.string(o, "answer").trim(), options.size(), "answer");
                String type = o.has("question_type_id") ? Fields.id(o, "question_type_id") : null;
                out.items().add(new ChoiceQuestion(id, Fields.id(o, "data_id"), Fields.string(o, "question"), options,
                        answer, type == null ? null : types.getOrDefault(type, type), Fields.optString(o, "data_type"),
                        id, line));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
            }
        }));
        return out;
    }

    public static BenchmarkRead<ChoiceQuestion> cvBench(Path jsonl) throws IOException {
        BenchmarkRead<ChoiceQuestion> out = new BenchmarkRead<>();
        Set<String> seen = new HashSet<>();
        JsonItems.lines(jsonl, out, (line, o) -> {
            String id = unique(seen, Fields.id(o, "idx"), "idx");
            List<String> options = Fields.strings(o, "choices");
            if (options.size() < 2) {
                throw new Fields.Bad("choices", "fewer than two choices");
            }
            int answer = index(Fields.string(o, "answer").trim(), options.size(), "answer");
            out.items().add(new ChoiceQuestion(id, Fields.string(o, "image"), Fields.string(o, "question"), options,
                    answer, Fields.optString(o, "task"), Fields.string(o, "source"), id, line));
        });
        return out;
    }

    public static BenchmarkRead<ChoiceQuestion> mmvp(Path csv) throws IOException {
        BenchmarkRead<ChoiceQuestion> out = new BenchmarkRead<>();
        String f = csv.toString();
        List<Delimited.Row> rows = Delimited.read(csv, ',');
        if (rows.isEmpty()) {
            out.errors().add(new ReadError(f, 1, null, "empty file: no header row"));
            return out;
        }
        Path images = csv.toAbsolutePath().getParent().resolve("MMVP Images");
        Set<String> seen = new HashSet<>();
        for (Delimited.Row r : rows.subList(1, rows.size())) {
            try {
                if (r.error() != null) {
                    throw new Fields.Bad(null, r.error());
                }
                if (r.fields().size() != 4) {
                    throw new Fields.Bad(null, r.fields().size() + " fields, expected Index,Question,Options,Correct Answer");
                }
                long index;
                try {
                    index = Long.parseLong(r.fields().get(0).trim());
                } catch (NumberFormatException e) {
                    throw new Fields.Bad("Index", "must be an integer, got '" + r.fields().get(0) + "'");
                }
                String id = unique(seen, Long.toString(index), "Index");
                String question = r.fields().get(1);
                if (question.isBlank()) {
                    throw new Fields.Bad("Question", "empty");
                }
                String opts = r.fields().get(2);
                List<String> options = splitOptions(MMVP_OPTION.matcher(opts), opts, 'a');
                if (options.size() < 2) {
                    throw new Fields.Bad("Options", "fewer than two options '(a) ... (b) ...'");
                }
                int answer = index(r.fields().get(3).trim(), options.size(), "Correct Answer");
                String image = index + ".jpg";
                if (!Files.isRegularFile(images.resolve(image))) {
                    throw new Fields.Bad("Index", "no image " + images.resolve(image));
                }
                out.items().add(new ChoiceQuestion(id, "MMVP Images/" + image, question, options, answer, null, null,
                        Long.toString((index - 1) / 2), r.line()));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, r.line(), e));
            }
        }
        return out;
    }

    /** The texts between consecutive option markers, which must run first, second, ... from {@code first}. */
    private static List<String> splitOptions(Matcher m, String text, char first) {
        List<String> options = new ArrayList<>();
        int prevEnd = -1;
        char expect = first;
        while (m.find()) {
            if (m.group(1).charAt(0) != expect) {
                continue;
            }
            if (prevEnd >= 0) {
                options.add(text.substring(prevEnd, m.start()).trim());
            }
            prevEnd = m.end();
            expect++;
        }
        if (prevEnd >= 0) {
            options.add(text.substring(prevEnd).trim());
        }
        return options;
    }

    /** {@code A}, {@code (A)}, {@code a}, {@code (a)} -> 0-based index within the options. */
    private static int index(String letter, int options, String field) {
        Matcher m = LETTER.matcher(letter);
        if (!m.find()) {
            throw new Fields.Bad(field, "'" + letter + "' is not an option letter");
        }
        int i = Character.toUpperCase(m.group(1).charAt(0)) - 'A';
        if (i >= options) {
            throw new Fields.Bad(field, "'" + letter + "' is beyond the " + options + " options");
        }
        return i;
    }

    private static String unique(Set<String> seen, String id, String field) {
        if (!seen.add(id)) {
            throw new Fields.Bad(field, "duplicate " + field + " " + id);
        }
        return id;
    }
}
