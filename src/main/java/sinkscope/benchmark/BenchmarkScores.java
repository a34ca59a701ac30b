package sinkscope.benchmark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import sinkscope.eval.Chair;
import sinkscope.eval.CvBenchScore;
import sinkscope.eval.GqaAnswer;
import sinkscope.eval.GroupedAccuracy;
import sinkscope.eval.Metrics;
import sinkscope.eval.MmeScore;
import sinkscope.eval.TaskScore;
import sinkscope.eval.VqaAccuracy;
import sinkscope.eval.VqaNormalizer;

/**
 * One benchmark's official metrics for one configuration, from its answered questions ({@link #add}), each answer parsed
 * by its {@link Benchmark}, with the per-unit scores the paired comparison against the baseline uses ({@link #units()}).
 * Which metrics is the benchmark's ({@link Benchmark#metrics}); what this class computes, per task (units:
 * {@link Benchmark.Unit}, fractions unless said). Category {@code all} pools every question.
 * <ul>
 *   <li>yes/no (POPE and any other yes/no benchmark): n, accuracy, precision, recall, f1, yes_ratio ({@link Metrics},
 *       {@code eval_pope.py}), overall and per category; unit: the question.</li>
 *   <li>MME ({@link #mme}): per subtask (the category) acc, acc_plus (both questions of an image right; the image is the
 *       group) and score (points); overall perception and cognition (points) ({@link MmeScore}, {@code calculation.py});
 *       unit: the question.</li>
 *   <li>multiple choice: accuracy over questions, overall and per category; when a group holds several questions
 *       (MMBench's option rotations, MMVP's pairs) also the group accuracy, named by {@link Benchmark#groupMetric}
 *       ({@link GroupedAccuracy}); the unit is then the group. CV-Bench adds accuracy_2d, accuracy_3d and overall over its
 *       sources, the categories ({@link #cvBench}); ScienceQA img_accuracy ({@link #imageAccuracy}).</li>
 *   <li>open answers: {@code vqa_accuracy} (the mean of {@link VqaAccuracy}) overall and per category (answer type);
 *       without reference answers (GQA) exact-match accuracy; unit: the question.</li>
 *   <li>captions: chair_s, chair_i, recall, mean_length (words) ({@link Chair}; lower CHAIR is better); unit: the
 *       caption, scored 1 when it hallucinates.</li>
 * </ul>
 */
public final class BenchmarkScores {

    /** One metric value: {@code n} questions (or captions, groups) it is over. */
    public record Metric(String category, String metric, double value, long n) {}

    private final Benchmark benchmark;
    private final String task;
    private final List<String> vocabulary;
    private final List<Row> rows = new ArrayList<>();

    private record Row(String id, String category, String group, TaskScore.Reference ref, String answer, boolean image) {}

    /** {@code vocabulary}: the CHAIR synonym lines for a caption benchmark (else ignored); {@code task} for a benchmark the registry does not know. */
    public BenchmarkScores(String benchmark, String task, List<String> vocabulary) {
        this.benchmark = Benchmarks.of(benchmark.toLowerCase(Locale.ROOT), task);
        this.task = task;
        this.vocabulary = vocabulary;
    }

    /**
     * One answered question; {@code group} may be null (the question is its own group). A question with nothing to score
     * against (no label and no reference answers, e.g. LLaVA's converted question files, which carry neither) is left out:
     * {@code score} scores those predictions against the benchmark's annotation files.
     */
    public BenchmarkScores add(String questionId, String category, String group, TaskScore.Reference ref, String answer) {
        return add(questionId, category, group, ref, answer, true);
    }

    /** {@link #add}; {@code image}: whether the question shows an image (ScienceQA's img_accuracy counts those). */
    public BenchmarkScores add(String questionId, String category, String group, TaskScore.Reference ref, String answer, boolean image) {
        if (ref.label() == null && ref.answers().isEmpty() && !task.equals(TaskScore.CAPTION)) {
            return this;
        }
        rows.add(new Row(questionId, category, group, ref, answer, image));
        return this;
    }

    public String benchmark() {
        return benchmark.name();
    }

    private TaskScore.Parsed parse(Row r, Chair chair) {
        return benchmark.parse(r.ref(), r.answer(), chair);
    }

    /** The name of the per-unit score ({@link #units()}), the metric the paired comparison is about. */
    public String unitMetric() {
        return switch (task) {
            case TaskScore.YES_NO -> "accuracy";
            case TaskScore.CHOICE -> grouped() ? benchmark.groupMetric() : "accuracy";
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
            TaskScore.Parsed p = parse(r, chair);
            String key = grouped && r.group() != null ? r.group() : r.id();
            out.merge(key, p.score(), Math::min);
        }
        return out;
    }

    /** The benchmark's metrics ({@link Benchmark#metrics}), overall ({@code all}) first, then per category. */
    public List<Metric> metrics() {
        return benchmark.metrics(this);
    }

    /** The task's metrics, overall first, then per category (a list the caller may add to). */
    public List<Metric> taskMetrics() {
        List<Metric> out = new ArrayList<>();
        switch (task) {
            case TaskScore.YES_NO -> yesNo(out);
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
            String pred = parse(r, null).pred();
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

    /** MME's metrics: perception and cognition (points), then per subtask acc, acc_plus and score (points). */
    public List<Metric> mme() {
        List<Metric> out = new ArrayList<>();
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
        return out;
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

    private void choice(List<Metric> out) {
        GroupedAccuracy g = new GroupedAccuracy();
        for (Row r : rows) {
            boolean right = Boolean.TRUE.equals(parse(r, null).correct());
            g.add(r.group() == null ? r.id() : r.group(), r.category(), right);
        }
        boolean grouped = grouped();
        out.add(new Metric("all", "accuracy", g.accuracy(), g.questions()));
        if (grouped) {
            out.add(new Metric("all", benchmark.groupMetric(), g.groupAccuracy(), g.groups()));
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
                out.add(new Metric(c, benchmark.groupMetric(), groupAcc.get(c), -1));
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
                mean.add(parse(r, null).score(), r.category());
            }
            out.add(new Metric("all", "vqa_accuracy", mean.mean(), mean.n()));
            Map<String, Long> n = mean.countByType();
            mean.byType().forEach((c, v) -> out.add(new Metric(c, "vqa_accuracy", v, n.get(c))));
        } else {
            GroupedAccuracy g = new GroupedAccuracy();
            for (Row r : rows) {
                g.add(r.id(), r.category(), Boolean.TRUE.equals(parse(r, null).correct()));
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

    /** CV-Bench's accuracy_2d, accuracy_3d and overall (their mean), over the sources (the categories). */
    public List<Metric> cvBench() {
        CvBenchScore cv = new CvBenchScore();
        for (Row r : rows) {
            if (r.category() != null) {
                cv.add(r.category(), Boolean.TRUE.equals(parse(r, null).correct()));
            }
        }
        return List.of(new Metric("all", "accuracy_2d", cv.accuracy2d(), rows.size()), new Metric("all", "accuracy_3d", cv.accuracy3d(), rows.size()),
                new Metric("all", "overall", cv.accuracy(), rows.size()));
    }

    /** Accuracy named {@code name} over the questions whose category passes {@code category}. */
    public Metric accuracyOf(String name, java.util.function.Predicate<String> category) {
        GroupedAccuracy g = new GroupedAccuracy();
        rows.stream().filter(r -> category.test(r.category())).forEach(r -> g.add(r.id(), null, Boolean.TRUE.equals(parse(r, null).correct())));
        return new Metric("all", name, g.accuracy(), g.questions());
    }

    /** {@code img_accuracy}: accuracy over the questions that show an image (ScienceQA's IMG). */
    public Metric imageAccuracy() {
        GroupedAccuracy g = new GroupedAccuracy();
        rows.stream().filter(Row::image).forEach(r -> g.add(r.id(), null, Boolean.TRUE.equals(parse(r, null).correct())));
        return new Metric("all", "img_accuracy", g.accuracy(), g.questions());
    }

    /** {@code vqa_accuracy_llava_submission}: VQA accuracy of the EvalAI-processed answers LLaVA's VQAv2 converter uploads. */
    public Metric llavaSubmission() {
        VqaAccuracy.Mean m = new VqaAccuracy.Mean();
        rows.forEach(r -> m.add(VqaAccuracy.score(VqaAccuracy.Protocol.VQAV2, VqaNormalizer.evalAi(r.answer() == null ? "" : r.answer()),
                r.ref().answers()), null));
        return new Metric("all", "vqa_accuracy_llava_submission", m.mean(), m.n());
    }

    /** {@code accuracy_vqa_normalized}: GQA exact match after the VQA normalization of both sides. */
    public Metric gqaNormalized() {
        GroupedAccuracy g = new GroupedAccuracy();
        rows.forEach(r -> g.add(r.id(), null, r.ref().label() != null && GqaAnswer.correctNormalized(r.answer() == null ? "" : r.answer(),
                r.ref().label())));
        return new Metric("all", "accuracy_vqa_normalized", g.accuracy(), g.questions());
    }
}
