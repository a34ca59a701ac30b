package sinkscope.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One benchmark's official metrics for one configuration, from its answered questions ({@link #add}), with the
 * per-unit scores the paired comparison against the baseline uses ({@link #units()}). Values are fractions in
 * [0, 1] except MME's scores (points: 100 (acc + acc+) per subtask, summed per total) and {@code mean_length} (words).
 * Category {@code all} pools every question.
 * <ul>
 *   <li>yes/no (POPE and any other yes/no benchmark): n, accuracy, precision, recall, f1, yes_ratio ({@link Metrics},
 *       {@code eval_pope.py}), overall and per category; unit: the question.</li>
 *   <li>MME: per subtask (the category) acc, acc_plus (both questions of an image right; the image is the group) and
 *       score; overall perception and cognition ({@link MmeScore}, {@code calculation.py}); unit: the question.</li>
 *   <li>multiple choice: accuracy over questions, overall and per category; when a group holds several questions
 *       (MMBench's option rotations, MMVP's pairs) also the group accuracy, named {@code circular_accuracy} for
 *       MMBench, {@code pair_accuracy} for MMVP, else {@code group_accuracy} ({@link GroupedAccuracy}); the unit is
 *       then the group. CV-Bench adds accuracy_2d, accuracy_3d and overall over its sources, the categories
 *       ({@link CvBenchScore}).</li>
 *   <li>open answers: {@code vqa_accuracy} (the mean of {@link VqaAccuracy}) overall and per category (answer
 *       type); without reference answers (GQA) exact-match accuracy; unit: the question.</li>
 *   <li>captions: chair_s, chair_i, recall, mean_length ({@link Chair}; lower CHAIR is better); unit: the caption,
 *       scored 1 when it hallucinates.</li>
 * </ul>
 */
public final class BenchmarkScores {

    /** One metric value: {@code n} questions (or captions, groups) it is over. */
    public record Metric(String category, String metric, double value, long n) {}

    private final String benchmark;
    private final String task;
    private final List<String> vocabulary;
    private final List<Row> rows = new ArrayList<>();

    private record Row(String id, String category, String group, TaskScore.Reference ref, String answer) {}

    /** {@code vocabulary}: the CHAIR synonym lines for a caption benchmark (else ignored). */
    public BenchmarkScores(String benchmark, String task, List<String> vocabulary) {
        this.benchmark = benchmark.toLowerCase(Locale.ROOT);
        this.task = task;
        this.vocabulary = vocabulary;
    }

    /**
     * One answered question; {@code group} may be null (the question is its own group). A question with nothing to score
     * against (no label and no reference answers, e.g. LLaVA's converted question files, which carry neither) is left out:
     * {@code score} scores those predictions against the benchmark's annotation files.
     */
    public BenchmarkScores add(String questionId, String category, String group, TaskScore.Reference ref, String answer) {
        if (ref.label() == null && ref.answers().isEmpty() && !task.equals(TaskScore.CAPTION)) {
            return this;
        }
        rows.add(new Row(questionId, category, group, ref, answer));
        return this;
    }

    public String benchmark() {
        return benchmark;
    }

    /** The name of the per-unit score ({@link #units()}), the metric the paired comparison is about. */
    public String unitMetric() {
        return switch (task) {
            case TaskScore.YES_NO -> "accuracy";
            case TaskScore.CHOICE -> grouped() ? groupMetric() : "accuracy";
            case TaskScore.OPEN -> rows.stream().anyMatch(r -> !r.ref().answers().isEmpty()) ? "vqa_accuracy" : "accuracy";
            case TaskScore.CAPTION -> "chair_s";
            default -> throw new IllegalArgumentException("unknown task " + task);
        };
    }

    /** Whether the unit scores are right/wrong (McNemar applies); VQA accuracy is not. */
    public boolean binary() {
        return !unitMetric().equals("vqa_accuracy");
    }

    /** Unit key (question or group) -> score: 1/0 right/wrong (a group is right when all its questions are), VQA accuracy, caption hallucinates. */
    public Map<String, Double> units() {
        Map<String, Double> out = new LinkedHashMap<>();
        Chair chair = task.equals(TaskScore.CAPTION) ? new Chair(vocabulary) : null;
        boolean grouped = task.equals(TaskScore.CHOICE) && grouped();
        for (Row r : rows) {
            TaskScore.Parsed p = TaskScore.score(r.ref(), r.answer(), chair);
            String key = grouped && r.group() != null ? r.group() : r.id();
            out.merge(key, p.score(), Math::min);
        }
        return out;
    }

    /** The metrics, overall ({@code all}) first, then per category. */
    public List<Metric> metrics() {
        List<Metric> out = new ArrayList<>();
        switch (task) {
            case TaskScore.YES_NO -> {
                if (benchmark.equals("mme")) {
                    mme(out);
                } else {
                    yesNo(out);
                }
            }
            case TaskScore.CHOICE -> choice(out);
            case TaskScore.OPEN -> open(out);
            case TaskScore.CAPTION -> caption(out);
            default -> throw new IllegalArgumentException("unknown task " + task);
        }
        return out;
    }

    private void yesNo(List<Metric> out) {
        Map<String, Metrics> by = new TreeMap<>();
        Metrics all = new Metrics();
        for (Row r : rows) {
            String label = r.ref().label() == null ? null : r.ref().label().toLowerCase(Locale.ROOT);
            if (!"yes".equals(label) && !"no".equals(label)) {
                continue;
            }
            String pred = TaskScore.score(r.ref(), r.answer(), null).pred();
            all.add(pred, label);
            if (r.category() != null) {
                by.computeIfAbsent(r.category(), k -> new Metrics()).add(pred, label);
            }
        }
        pope(out, "all", all);
        by.forEach((c, m) -> pope(out, c, m));
    }

    private static void pope(List<Metric> out, String category, Metrics m) {
        out.add(new Metric(category, "accuracy", m.accuracy(), m.n()));
        out.add(new Metric(category, "precision", m.precision(), m.n()));
        out.add(new Metric(category, "recall", m.recall(), m.n()));
        out.add(new Metric(category, "f1", m.f1(), m.n()));
        out.add(new Metric(category, "yes_ratio", m.yesRatio(), m.n()));
    }

    private void mme(List<Metric> out) {
        MmeScore mme = new MmeScore();
        long n = 0;
        for (Row r : rows) {
            String label = r.ref().label() == null ? "" : r.ref().label().toLowerCase(Locale.ROOT);
            if (!label.equals("yes") && !label.equals("no")) {
                continue;
            }
            mme.add(r.category() == null ? "unknown" : r.category(), r.group() == null ? r.id() : r.group(), label, r.answer());
            n++;
        }
        out.add(new Metric("all", "perception", mme.perception(), n));
        out.add(new Metric("all", "cognition", mme.cognition(), n));
        for (MmeScore.Subtask t : mme.subtasks().values()) {
            out.add(new Metric(t.name(), "acc", t.acc(), t.questions()));
            out.add(new Metric(t.name(), "acc_plus", t.accPlus(), t.images()));
            out.add(new Metric(t.name(), "score", t.score(), t.questions()));
        }
    }

    private boolean grouped() {
        Map<String, Integer> sizes = new java.util.HashMap<>();
        for (Row r : rows) {
            if (r.group() != null && sizes.merge(r.group(), 1, Integer::sum) > 1) {
                return true;
            }
        }
        return false;
    }

    private String groupMetric() {
        return switch (benchmark) {
            case "mmbench" -> "circular_accuracy";
            case "mmvp" -> "pair_accuracy";
            default -> "group_accuracy";
        };
    }

    private void choice(List<Metric> out) {
        GroupedAccuracy g = new GroupedAccuracy();
        CvBenchScore cv = new CvBenchScore();
        for (Row r : rows) {
            boolean right = Boolean.TRUE.equals(TaskScore.score(r.ref(), r.answer(), null).correct());
            g.add(r.group() == null ? r.id() : r.group(), r.category(), right);
            if (r.category() != null) {
                cv.add(r.category(), right);
            }
        }
        boolean grouped = grouped();
        out.add(new Metric("all", "accuracy", g.accuracy(), g.questions()));
        if (grouped) {
            out.add(new Metric("all", groupMetric(), g.groupAccuracy(), g.groups()));
        }
        if (benchmark.equals("cvbench")) {
            out.add(new Metric("all", "accuracy_2d", cv.accuracy2d(), g.questions()));
            out.add(new Metric("all", "accuracy_3d", cv.accuracy3d(), g.questions()));
            out.add(new Metric("all", "overall", cv.accuracy(), g.questions()));
        }
        Map<String, Long> counts = new TreeMap<>();
        for (Row r : rows) {
            if (r.category() != null) {
                counts.merge(r.category(), 1L, Long::sum);
            }
        }
        Map<String, Double> groupAcc = g.groupAccuracyByCategory();
        g.accuracyByCategory().forEach((c, v) -> {
            out.add(new Metric(c, "accuracy", v, counts.get(c)));
            if (grouped && groupAcc.containsKey(c)) {
                out.add(new Metric(c, groupMetric(), groupAcc.get(c), -1));
            }
        });
        // group counts per category
        Map<String, java.util.Set<String>> groups = new TreeMap<>();
        for (Row r : rows) {
            if (r.category() != null) {
                groups.computeIfAbsent(r.category(), k -> new java.util.HashSet<>()).add(r.group() == null ? r.id() : r.group());
            }
        }
        out.replaceAll(m -> m.n() == -1 ? new Metric(m.category(), m.metric(), m.value(), groups.get(m.category()).size()) : m);
    }

    private void open(List<Metric> out) {
        boolean vqa = rows.stream().anyMatch(r -> !r.ref().answers().isEmpty());
        if (vqa) {
            VqaAccuracy.Mean mean = new VqaAccuracy.Mean();
            for (Row r : rows) {
                mean.add(TaskScore.score(r.ref(), r.answer(), null).score(), r.category());
            }
            out.add(new Metric("all", "vqa_accuracy", mean.mean(), mean.n()));
            Map<String, Long> n = mean.countByType();
            mean.byType().forEach((c, v) -> out.add(new Metric(c, "vqa_accuracy", v, n.get(c))));
        } else {
            GroupedAccuracy g = new GroupedAccuracy();
            for (Row r : rows) {
                g.add(r.id(), r.category(), Boolean.TRUE.equals(TaskScore.score(r.ref(), r.answer(), null).correct()));
            }
            out.add(new Metric("all", "accuracy", g.accuracy(), g.questions()));
            Map<String, Long> counts = new TreeMap<>();
            rows.stream().filter(r -> r.category() != null).forEach(r -> counts.merge(r.category(), 1L, Long::sum));
            g.accuracyByCategory().forEach((c, v) -> out.add(new Metric(c, "accuracy", v, counts.get(c))));
        }
    }

    private void caption(List<Metric> out) {
        Chair chair = new Chair(vocabulary);
        for (Row r : rows) {
            List<String> truth = new ArrayList<>();
            for (String a : r.ref().answers()) {
                String o = chair.objectOf(a);
                truth.add(o == null ? a : o);
            }
            chair.addGroundTruthObjects(r.id(), truth);
        }
        for (Row r : rows) {
            chair.add(r.id(), r.answer());
        }
        long n = chair.captions();
        out.add(new Metric("all", "chair_s", chair.chairS(), n));
        out.add(new Metric("all", "chair_i", chair.chairI(), n));
        out.add(new Metric("all", "recall", chair.recall(), n));
        out.add(new Metric("all", "mean_length", chair.meanLength(), n));
    }
}
