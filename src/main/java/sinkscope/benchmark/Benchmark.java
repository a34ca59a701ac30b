package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import sinkscope.data.PredictionReader.Prediction;
import sinkscope.data.PromptTemplate;
import sinkscope.data.Question;
import sinkscope.eval.Chair;
import sinkscope.eval.TaskScore;

/**
 * One benchmark, everything SinkScope knows of it in one class: its task, its published layout and how that layout
 * reads into questions ({@link #read}, used by {@code evaluate} and by {@code score}), the prompt suffix LLaVA-1.5's
 * eval script appends ({@link #suffix}), how an answer is parsed and scored ({@link #parse}), its official metrics
 * ({@link #metrics}, over a {@link BenchmarkScores}), the headline metric and each metric's unit, and how {@code score}
 * matches a prediction to its question ({@link #keys(Question)}, {@link #keys(Prediction)}). The defaults are the task's
 * generic rules ({@link TaskScore#score}); a benchmark overrides only what its official script does differently.
 * A new benchmark is one subclass and one line in {@link Benchmarks#ALL}.
 *
 * <p>Units, one way everywhere (tables, {@code score}'s output, the report): accuracies and rates are fractions in
 * [0, 1]; MME's {@code score}, {@code perception} and {@code cognition} are points (100 (acc + acc+) per subtask);
 * {@code mean_length} is words; {@code n} and the other counts are counts.
 */
public abstract class Benchmark {

    /** A metric's unit: a fraction in [0, 1], points (MME), words, or a count. */
    public enum Unit { FRACTION, POINTS, WORDS, COUNT }

    /**
     * How a layout is read: {@code score} reads annotations only (no image is looked up, every record is kept, also those
     * {@code evaluate} does not ask, e.g. ScienceQA's text-only questions), {@code evaluate} reads questions to ask.
     *
     * @param synonyms CHAIR's synonym lines, or null
     * @param allRounds MMBench's questions once per option rotation (LLaVA's {@code --all-rounds})
     * @param score read for {@code score}
     * @param split ScienceQA's split of {@code pid_splits.json}
     */
    public record Reading(List<String> synonyms, boolean allRounds, boolean score, String split) {
        public static Reading evaluate(List<String> synonyms, boolean allRounds) {
            return new Reading(synonyms, allRounds, false, "test");
        }

        public static Reading score(List<String> synonyms, String split) {
            return new Reading(synonyms, true, true, split == null ? "test" : split);
        }
    }

    private final String name;
    private final String task;
    private final String layout;

    /** {@code layout}: the published files as {@link #layout} names them, or null (no published layout). */
    protected Benchmark(String name, String task, String layout) {
        this.name = name;
        this.task = task;
        this.layout = layout;
    }

    /** The name runs, tables and flags use ({@code pope}, {@code mmbench}, ...). */
    public final String name() {
        return name;
    }

    /** One of {@link TaskScore#TASKS}. */
    public final String task() {
        return task;
    }

    /** The published files in {@code --annotations} order, as usage messages and docs name them; null: no published layout. */
    public final String layout() {
        return layout;
    }

    /** How many files the layout takes (the first is required). */
    public int maxFiles() {
        return 1;
    }

    /** How many files the layout needs at least; {@code annotations}: read by {@code score}. */
    public int minFiles(boolean annotations) {
        return 1;
    }

    /** The image folder of a layout that holds its images, from its first file; null when the images must be given. */
    public Path layoutImages(Path first) {
        return null;
    }

    /** Reads the published layout into {@code out}: one question per record, one error per record that cannot be one. */
    public void read(PublishedBenchmark.Input in, Reading how, PublishedBenchmark.Result out) throws IOException {
        throw new IllegalArgumentException(name + " has no published layout");
    }

    /**
     * The suffix LLaVA-1.5's eval script appends ({@code mode} {@code llava}; {@code qwen2_vl}, lmms-eval's post-prompts,
     * are the same), or none ({@code none}): by the task, the short-answer line for yes/no and open, the option-letter
     * line for choice, nothing for captions and judge-scored answers.
     */
    public String suffix(String mode) {
        if (!checkMode(mode)) {
            return "";
        }
        return switch (task) {
            case TaskScore.CHOICE -> PromptTemplate.OPTION_LETTER_SUFFIX;
            case TaskScore.CAPTION, TaskScore.JUDGE -> "";
            default -> PromptTemplate.SHORT_ANSWER_SUFFIX;
        };
    }

    /** What goes before the question under {@code mode}; nothing by default. */
    public String prefix(String mode) {
        return "";
    }

    /** The question as the model is asked it: {@link #prefix} (unless already there), then {@link PromptTemplate#question} with {@link #suffix}. */
    public final String ask(String mode, String text, List<String> options) {
        String p = prefix(mode);
        return (text.startsWith(p) ? "" : p) + PromptTemplate.question(text, options, suffix(mode));
    }

    /** Scores one answer: the task's generic rule ({@link TaskScore#score}). */
    public TaskScore.Parsed parse(TaskScore.Reference r, String answer, Chair chair) {
        return TaskScore.score(r, answer, chair);
    }

    /** The official metrics over the answered questions of {@code s}, overall ({@code all}) first: the task's by default. */
    public List<BenchmarkScores.Metric> metrics(BenchmarkScores s) {
        return s.taskMetrics();
    }

    /** The name of the group metric when a group holds several questions ({@link BenchmarkScores}). */
    public String groupMetric() {
        return "group_accuracy";
    }

    /**
     * The metrics a table or chart leads with, in preference order (the first one a run has is the headline): the group
     * metric (when groups hold several questions), VQA accuracy, CHAIR_s, MME's perception, CV-Bench's overall, accuracy.
     */
    public List<String> headlines() {
        return List.of(groupMetric(), "vqa_accuracy", "chair_s", "perception", "overall", "accuracy");
    }

    /** The headline among the metrics present ({@link #headlines}; none of them: the first present). */
    public final String headline(List<String> metrics) {
        for (String m : headlines()) {
            if (metrics.contains(m)) {
                return m;
            }
        }
        return metrics.isEmpty() ? null : metrics.get(0);
    }

    /** The unit of one of this benchmark's metrics. */
    public Unit unit(String metric) {
        return switch (metric) {
            case "n", "questions", "pairs", "images_without_pair" -> Unit.COUNT;
            case "mean_length" -> Unit.WORDS;
            default -> Unit.FRACTION;
        };
    }

    /** {@code score}: the keys a question of the layout is found by (its id). */
    public List<String> keys(Question q) {
        return List.of(q.questionId());
    }

    /** {@code score}: the keys a prediction looks its question up by, tried in order (its id). */
    public List<String> keys(Prediction p) {
        return List.of(p.questionId());
    }

    /**
     * {@code score}: the question a prediction that names its own label (a run's predictions table) stands for when no
     * annotation file is given; null when it names none.
     */
    public Question fromPrediction(Prediction p) {
        return p.label() == null ? null : new Question(p.questionId(), null, "?", p.label(), p.category(), p.line(), null, null, name, task,
                List.of(), List.of(), null);
    }

    /** {@code score}: whether a question of the layout counts as missing when no prediction answers it. */
    public boolean expected(Question q) {
        return true;
    }

    /**
     * {@code score}: the answer a question without a prediction is scored with (the official script scores it so), or null:
     * it is left out and counted as missing.
     */
    public String unanswered() {
        return null;
    }

    /** Answers that come with their questions in one official file (MME's eval-tool folder); null when {@code file} is not one. */
    public sinkscope.data.BenchmarkRead<Answered> answered(Path file) throws IOException {
        return null;
    }

    /** A question together with its answer. */
    public record Answered(Question question, String answer) {}

    @Override
    public String toString() {
        return name;
    }

    /** {@code none}/null: no suffix; else one of {@link PromptTemplate#SUFFIX_MODES}. */
    protected static boolean checkMode(String mode) {
        if (mode == null || mode.equals("none")) {
            return false;
        }
        if (!PromptTemplate.SUFFIX_MODES.contains(mode)) {
            throw new IllegalArgumentException("prompt suffix mode must be one of " + PromptTemplate.SUFFIX_MODES + ", got '" + mode + "'");
        }
        return true;
    }

    /** A question of this benchmark. */
    protected Question question(String id, String image, String text, String label, String category, int line, List<String> options,
                                List<String> answers, String group) {
        return new Question(id, image, text, label, category, line, null, null, name, null, options, answers, group);
    }

    /** The letter of option {@code index}: A for 0. */
    protected static String letter(int index) {
        return String.valueOf((char) ('A' + index));
    }

    /** COCO's file name of an image id: {@code COCO_val2014_000000391895.jpg}. */
    protected static String cocoFile(String imageId) {
        try {
            return String.format(Locale.ROOT, "COCO_val2014_%012d.jpg", Long.parseLong(imageId));
        } catch (NumberFormatException e) {
            return imageId;
        }
    }
}
