package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.PredictionReader.Prediction;
import sinkscope.data.Question;
import sinkscope.data.ReadError;
import sinkscope.eval.TaskScore;

/**
 * What {@code score} computes: a benchmark's predictions matched to its annotations and scored per config by
 * {@link BenchmarkScores}, the same metrics, names and units {@code evaluate} writes. A prediction finds its question by
 * the benchmark's keys ({@link Benchmark#keys(Prediction)}); without annotations a prediction that carries its label
 * stands for its question ({@link Benchmark#fromPrediction}). Predictions that match no question are counted as
 * {@code unmatched}; questions without a prediction as {@code missing} (or, where the official script does so, scored
 * with {@link Benchmark#unanswered}). Each config other than {@code baseline} is compared with it on the units both have
 * ({@link sinkscope.eval.Significance#paired}, as {@code evaluate} compares).
 */
public final class ScoreRun {

    /** The prediction formats {@code score} reads, as its error messages name them. */
    public static final String PREDICTION_FORMATS = "LLaVA's answers JSONL ({\"question_id\", \"text\"} per line), a results JSON array "
            + "([{\"question_id\", \"answer\"}]: VQAv2, TextVQA; [{\"image\", \"answer\"}]: VizWiz; [{\"questionId\", \"prediction\"}]: GQA), "
            + "a run's predictions table (or its output root), or MME's eval-tool results (eval_tool/Your_Results/<subtask>.txt)";

    /** One config's scores and counts. */
    public record Scored(BenchmarkScores scores, long unmatched, long missing) {}

    private final Benchmark benchmark;
    private final List<String> synonyms;
    private final List<ReadError> errors = new ArrayList<>();
    private final Map<String, Question> byKey = new HashMap<>();
    private final List<Question> questions = new ArrayList<>();

    /**
     * {@code annotations}: the benchmark's files ({@link Benchmark#layout}; may be empty when the predictions carry their
     * labels); {@code split}: ScienceQA's split of {@code pid_splits.json}.
     */
    public ScoreRun(String benchmark, List<Path> annotations, List<String> synonyms, String split) throws IOException {
        this.benchmark = Benchmarks.get(benchmark);
        this.synonyms = synonyms;
        if (this.benchmark.task().equals(TaskScore.JUDGE)) {
            throw new IllegalArgumentException(benchmark + " is judge-scored (a GPT judge, outside SinkScope): evaluate writes its answers as "
                    + "OUT/judge/" + benchmark + "/<config>." + (benchmark.equals("mmvet") ? "json" : "jsonl") + ", the file its judge reads");
        }
        if (!annotations.isEmpty()) {
            PublishedBenchmark.Result r = PublishedBenchmark.readAs(PublishedBenchmark.Input.annotations(benchmark, annotations),
                    Benchmark.Reading.score(synonyms, split), 0);
            errors.addAll(r.errors());
            if (r.items().isEmpty() && !r.errors().isEmpty()) {
                throw new IllegalArgumentException(benchmark + ": no question could be read from " + annotations + " (" + r.errors().get(0)
                        + "); it takes " + this.benchmark.layout());
            }
            for (PublishedBenchmark.Item i : r.items()) {
                questions.add(i.question());
                for (String k : this.benchmark.keys(i.question())) {
                    byKey.putIfAbsent(k, i.question());
                }
            }
        }
    }

    public Benchmark benchmark() {
        return benchmark;
    }

    /** Every bad line of the inputs read so far (file:line: field: reason). */
    public List<ReadError> errors() {
        return errors;
    }

    /** The official answers-with-questions file of the benchmark ({@link Benchmark#answered}), or null when {@code file} is not one. */
    public Map<String, Scored> answered(Path file) throws IOException {
        BenchmarkRead<Benchmark.Answered> a = benchmark.answered(file);
        if (a == null) {
            return null;
        }
        errors.addAll(a.errors());
        BenchmarkScores s = scores();
        long missing = 0;
        for (Benchmark.Answered x : a.items()) {
            if (x.answer() == null) {
                missing++;
            } else {
                add(s, x.question(), x.answer());
            }
        }
        Map<String, Scored> out = new TreeMap<>();
        out.put("", new Scored(s, 0, missing));
        return out;
    }

    /** Predictions read from a file ({@link sinkscope.data.PredictionReader}); one of which nothing could be read is an error naming the formats. */
    public List<Prediction> predictions(BenchmarkRead<Prediction> read, Path file) {
        if (read.items().isEmpty() && !read.errors().isEmpty()) {
            throw new IllegalArgumentException("cannot read " + file + " as predictions (" + read.errors().get(0) + "); score reads "
                    + PREDICTION_FORMATS);
        }
        errors.addAll(read.errors());
        return read.items();
    }

    /** Scores predictions, per config (null config: one unnamed group ""). */
    public Map<String, Scored> score(List<Prediction> predictions) {
        Map<String, List<Prediction>> configs = new TreeMap<>();
        for (Prediction p : predictions) {
            configs.computeIfAbsent(p.config() == null ? "" : p.config(), k -> new ArrayList<>()).add(p);
        }
        Map<String, Scored> out = new TreeMap<>();
        configs.forEach((c, ps) -> out.put(c, score1(ps)));
        return out;
    }

    private Scored score1(List<Prediction> predictions) {
        BenchmarkScores s = scores();
        Set<Question> matched = new HashSet<>();
        long unmatched = 0;
        for (Prediction p : predictions) {
            Question q = null;
            for (String k : benchmark.keys(p)) {
                q = q != null ? q : byKey.get(k);
            }
            if (q == null && byKey.isEmpty()) {
                q = benchmark.fromPrediction(p);
            }
            if (q == null) {
                unmatched++;
                continue;
            }
            matched.add(q);
            add(s, q, p.answer());
        }
        long missing = 0;
        for (Question q : questions) {
            if (matched.contains(q) || !benchmark.expected(q)) {
                continue;
            }
            if (benchmark.unanswered() != null) {
                s.add(q.questionId(), q.category(), q.group(), reference(q), benchmark.unanswered(), false);
            } else {
                missing++;
            }
        }
        return new Scored(s, unmatched, missing);
    }

    private BenchmarkScores scores() {
        return new BenchmarkScores(benchmark.name(), benchmark.task(), synonyms);
    }

    private void add(BenchmarkScores s, Question q, String answer) {
        s.add(q.questionId(), q.category(), q.group(), reference(q), answer, q.image() != null);
    }

    private TaskScore.Reference reference(Question q) {
        return new TaskScore.Reference(benchmark.name(), benchmark.task(), q.label(), q.options(), q.answers());
    }

    /**
     * The metrics of one config as {@code name: value} entries: first {@code n} (the questions, rounds or captions scored),
     * then {@code metric} overall and {@code category.metric} per category.
     */
    public static Map<String, Double> named(BenchmarkScores s) {
        Map<String, Double> out = new LinkedHashMap<>();
        List<BenchmarkScores.Metric> metrics = s.metrics();
        out.put("n", metrics.isEmpty() ? 0.0 : metrics.get(0).n());
        for (BenchmarkScores.Metric m : metrics) {
            out.put(m.category().equals("all") ? m.metric() : m.category() + "." + m.metric(), m.value());
        }
        return out;
    }
}
