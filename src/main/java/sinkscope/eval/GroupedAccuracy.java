package sinkscope.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accuracy over questions and over groups of questions, where a group counts as right only when every one of its
 * questions is right:
 * <pre>
 *   accuracy       = right questions / questions
 *   group_accuracy = groups whose questions are all right / groups
 * </pre>
 * and both per category (a group's category is that of its first question). The groups are what each benchmark
 * pairs: MMBench's circular evaluation (the rotations of one question's options share {@code index % 1_000_000};
 * a question is right only when right under every rotation), MMVP's question pairs (a pair scores 1 only when both
 * answers are right), MME's accuracy+ (both questions of an image right). Empty: NaN.
 */
public final class GroupedAccuracy {

    private static final class Group {
        final String category;
        boolean allRight = true;
        int size;

        Group(String category) {
            this.category = category;
        }
    }

    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, long[]> byCategory = new TreeMap<>();
    private long n;
    private long right;

    /** One question of {@code group}; {@code category} may be null. */
    public GroupedAccuracy add(String group, String category, boolean correct) {
        n++;
        if (correct) {
            right++;
        }
        Group g = groups.computeIfAbsent(group, k -> new Group(category));
        g.size++;
        g.allRight &= correct;
        if (category != null) {
            long[] c = byCategory.computeIfAbsent(category, k -> new long[2]);
            c[0] += correct ? 1 : 0;
            c[1]++;
        }
        return this;
    }

    public long questions() {
        return n;
    }

    public long groups() {
        return groups.size();
    }

    public double accuracy() {
        return n == 0 ? Double.NaN : (double) right / n;
    }

    public double groupAccuracy() {
        long ok = groups.values().stream().filter(g -> g.allRight).count();
        return groups.isEmpty() ? Double.NaN : (double) ok / groups.size();
    }

    /** Question accuracy per category. */
    public Map<String, Double> accuracyByCategory() {
        Map<String, Double> m = new TreeMap<>();
        byCategory.forEach((k, c) -> m.put(k, (double) c[0] / c[1]));
        return m;
    }

    /** Group accuracy per category (of the group's first question). */
    public Map<String, Double> groupAccuracyByCategory() {
        Map<String, long[]> c = new TreeMap<>();
        for (Group g : groups.values()) {
            if (g.category != null) {
                long[] x = c.computeIfAbsent(g.category, k -> new long[2]);
                x[0] += g.allRight ? 1 : 0;
                x[1]++;
            }
        }
        Map<String, Double> m = new TreeMap<>();
        c.forEach((k, x) -> m.put(k, (double) x[0] / x[1]));
        return m;
    }

    /** Group sizes: how many groups have each size (e.g. MME expects only 2). */
    public Map<Integer, Long> groupSizes() {
        Map<Integer, Long> m = new TreeMap<>();
        for (Group g : groups.values()) {
            m.merge(g.size, 1L, Long::sum);
        }
        return m;
    }
}
