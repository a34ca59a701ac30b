package sinkscope.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * MME's score, as its official {@code eval_tool/calculation.py} computes it. An answer is read as yes/no by
 * {@link #parse}: lower-cased; {@code "yes"} or {@code "no"} as it is; otherwise {@code yes} when its first four
 * characters contain "yes", else {@code no} when they contain "no", else {@code other} (wrong against either label).
 * Per subtask:
 * <pre>
 *   acc      = right answers / questions
 *   acc_plus = images with both questions right / images
 *   score    = 100 * acc + 100 * acc_plus          (at most 200)
 * </pre>
 * {@code perception} is the sum of the scores of the 10 perception subtasks {@link #PERCEPTION} (at most 2000),
 * {@code cognition} of the 4 cognition subtasks {@link #COGNITION} (at most 800); a total sums the subtasks that
 * have questions ({@link #perceptionSubtasks()} says how many did). A subtask outside both lists is scored but in
 * neither total. Labels must be yes or no (the tool asserts it).
 */
public final class MmeScore {

    public static final List<String> PERCEPTION = List.of("existence", "count", "position", "color", "posters",
            "celebrity", "scene", "landmark", "artwork", "OCR");
    public static final List<String> COGNITION = List.of("commonsense_reasoning", "numerical_calculation",
            "text_translation", "code_reasoning");

    /** One subtask's figures. */
    public record Subtask(String name, long questions, long images, double acc, double accPlus, long other) {
        public double score() {
            return 100 * acc + 100 * accPlus;
        }
    }

    private final Map<String, GroupedAccuracy> tasks = new TreeMap<>();
    private final Map<String, long[]> other = new TreeMap<>();

    /** calculation.py's {@code parse_pred_ans}: yes, no or other. */
    public static String parse(String answer) {
        String a = answer == null ? "" : answer.toLowerCase(Locale.ROOT);
        if (a.equals("yes") || a.equals("no")) {
            return a;
        }
        String prefix = a.substring(0, Math.min(4, a.length()));
        if (prefix.contains("yes")) {
            return "yes";
        }
        return prefix.contains("no") ? "no" : "other";
    }

    /** One question; {@code image} names the image within its subtask. Returns whether it was right. */
    public boolean add(String subtask, String image, String label, String answer) {
        String gt = label == null ? "" : label.toLowerCase(Locale.ROOT);
        if (!gt.equals("yes") && !gt.equals("no")) {
            throw new IllegalArgumentException("MME label must be yes or no, got '" + label + "'");
        }
        String pred = parse(answer);
        boolean right = pred.equals(gt);
        tasks.computeIfAbsent(subtask, k -> new GroupedAccuracy()).add(image, null, right);
        other.computeIfAbsent(subtask, k -> new long[1])[0] += pred.equals("other") ? 1 : 0;
        return right;
    }

    /** Every subtask with questions, by name. */
    public Map<String, Subtask> subtasks() {
        Map<String, Subtask> m = new LinkedHashMap<>();
        tasks.forEach((k, g) -> m.put(k, new Subtask(k, g.questions(), g.groups(), g.accuracy(), g.groupAccuracy(),
                other.get(k)[0])));
        return m;
    }

    public double perception() {
        return total(PERCEPTION);
    }

    public double cognition() {
        return total(COGNITION);
    }

    public int perceptionSubtasks() {
        return (int) PERCEPTION.stream().filter(tasks::containsKey).count();
    }

    public int cognitionSubtasks() {
        return (int) COGNITION.stream().filter(tasks::containsKey).count();
    }

    /** Images whose question count is not 2 (MME has two per image; calculation.py would fail on them). */
    public long imagesWithoutPair() {
        long bad = 0;
        for (GroupedAccuracy g : tasks.values()) {
            for (Map.Entry<Integer, Long> e : g.groupSizes().entrySet()) {
                if (e.getKey() != 2) {
                    bad += e.getValue();
                }
            }
        }
        return bad;
    }

    private double total(List<String> names) {
        double s = 0;
        Map<String, Subtask> all = subtasks();
        for (String name : names) {
            Subtask t = all.get(name);
            if (t != null) {
                s += t.score();
            }
        }
        return s;
    }
}
