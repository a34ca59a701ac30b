package sinkscope.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import sinkscope.intervention.Interventions;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import sinkscope.benchmark.BenchmarkScores;
import sinkscope.eval.Significance;
import sinkscope.eval.TaskScore;

/**
 * The {@code evaluate} job: every sample under every config ({@link EvaluateStage}), written to
 * {@code predictions}, {@code grounding} and {@code errors} (job {@code evaluate}, stage
 * {@code <config>/<stage>}); then {@code metrics} (POPE's confusion counts of the yes/no benchmarks),
 * {@code benchmark_metrics} (every benchmark's own metrics) and {@code significance} (each config against baseline)
 * recomputed from the whole {@code predictions} table; the judge-scored benchmarks' answers go to {@code judge/}
 * ({@link #writeJudgeFiles}) and into no metric.
 *
 * <p>Invariant, checked after writing: samples x configs = {@code predictions} rows + evaluate error rows, the rows
 * as the tables' Parquet footers count them ({@link OutputRoot#rows}). With resume, (sample, config) pairs already
 * predicted or failed are skipped.
 */
public final class EvaluateJob {
    private EvaluateJob() {}

    /** Counts after the job: (sample, config) runs expected, predictions in the table, evaluate error rows. */
    public record Counts(long runs, long predictions, long errors) {
        public boolean balanced() {
            return runs == predictions + errors;
        }
    }

    public static Counts run(SparkSession spark, SampleSource source, OutputRoot out, EvaluateStage stage, PrintStream log) {
        Dataset<Row> pairs = stage.pairs(source.samples());
        Dataset<Row> todo = pairs;
        if (out.resume()) {
            Dataset<Row> done = out.read("predictions", Tables.PREDICTIONS).select("question_id", "config")
                    .union(out.errors("evaluate").selectExpr("question_id", "substring_index(stage, '/', 1) as config"))
                    .distinct();
            todo = todo.join(done, todo.col("question_id").equalTo(done.col("question_id"))
                    .and(todo.col("config").equalTo(done.col("config"))), "left_anti");
        }
        long runs = source.sampleCount() * stage.configs().size();
        long pending = out.resume() ? todo.count() : runs;
        Dataset<Row> evaluated;
        Dataset<Row> ok;
        try (Progress progress = new Progress(spark, "evaluate", pending, 5000, log)) {
            evaluated = stage.setProgress(progress.counter()).transform(todo).persist(StageCache.level(spark));
            ok = evaluated.where(col("error_stage").isNull());
            // the first write runs the model once per (sample, config) and fills the cache the other tables are read from
            out.write("grounding", ok.where(col("grounding").isNotNull())
                    .selectExpr("question_id", "config", "object_share", "posexplode(grounding) as (layer, image_attention)")
                    .selectExpr("question_id", "config", "layer", "image_attention", "try_element_at(object_share, layer + 1) as object_share"),
                    Tables.GROUNDING, "question_id", "config");
        }
        if (!stage.attentionLayers().isEmpty()) {
            out.write("attention_by_config", ok.where(col("attention").isNotNull())
                    .selectExpr("question_id", "config", "explode(attention) as a")
                    .selectExpr("question_id", "config", "a.layer as layer", "a.panel as panel", "a.grid_rows as grid_rows", "a.grid_cols as grid_cols",
                            "a.weights as weights"),
                    Tables.ATTENTION_BY_CONFIG, "question_id", "config", "layer", "panel");
        }
        out.writeErrors("evaluate", evaluated.where(col("error_stage").isNotNull())
                .selectExpr("question_id", "line", "error_stage as stage", "error_reason as reason"));
        out.write("predictions", ok, Tables.PREDICTIONS, "question_id", "config");
        evaluated.unpersist();

        Dataset<Row> predictions = out.read("predictions", Tables.PREDICTIONS);
        for (String file : writeJudgeFiles(out, source.samples(), predictions, stage.configs(), stage.modelId())) {
            log.println("evaluate: judge answers " + file);
        }
        out.replace("metrics", metrics(predictions), Tables.METRICS);
        Scored scored = benchmarks(predictions, stage.benchmarks());
        out.replace("benchmark_metrics", spark.createDataFrame(scored.metrics(), Tables.BENCHMARK_METRICS), Tables.BENCHMARK_METRICS);
        out.replace("significance", spark.createDataFrame(scored.significance(), Tables.SIGNIFICANCE), Tables.SIGNIFICANCE);
        // what the tables hold, from their Parquet footers
        Counts counts = new Counts(runs, out.rows("predictions"), out.rows("errors/job=evaluate"));
        log.printf("evaluate: %d runs (%d configs) = %d predictions + %d errors%s%n", counts.runs(),
                stage.configs().size(), counts.predictions(), counts.errors(), counts.balanced() ? "" : " -- MISMATCH");
        return counts;
    }

    /**
     * The answers of the judge-scored benchmarks (task {@code judge}: MM-Vet, LLaVA-Bench) in the files their judges read
     * ({@link sinkscope.eval.JudgeFiles}), one per benchmark and config: {@code OUT/judge/<benchmark>/<config>.json} (MM-Vet)
     * or {@code .jsonl}. Every judge question of the input is in each file, in input order; one without a prediction (its
     * generation failed: an error row) has the answer {@code ""}. Returns the files written.
     */
    static List<String> writeJudgeFiles(OutputRoot out, Dataset<Row> samples, Dataset<Row> predictions, List<EvalConfig> configs, String modelId) {
        List<Row> questions = samples.where(col("task").equalTo(TaskScore.JUDGE)).select("benchmark", "question_id", "question").collectAsList();
        if (questions.isEmpty()) {
            return List.of();
        }
        Map<List<String>, String> answers = new java.util.HashMap<>();
        for (Row r : predictions.where(col("task").equalTo(TaskScore.JUDGE)).select("benchmark", "config", "question_id", "answer").collectAsList()) {
            answers.put(List.of(r.getString(0), r.getString(1), r.getString(2)), r.getString(3));
        }
        Map<String, List<Row>> byBenchmark = new java.util.LinkedHashMap<>();
        for (Row q : questions) {
            byBenchmark.computeIfAbsent(q.getString(0), k -> new ArrayList<>()).add(q);
        }
        List<String> files = new ArrayList<>();
        for (Map.Entry<String, List<Row>> b : byBenchmark.entrySet()) {
            for (EvalConfig c : configs) {
                List<sinkscope.eval.JudgeFiles.Answer> list = new ArrayList<>();
                for (Row q : b.getValue()) {
                    String text = answers.get(List.of(b.getKey(), c.name(), q.getString(1)));
                    list.add(new sinkscope.eval.JudgeFiles.Answer(q.getString(1), q.getString(2), text == null ? "" : text));
                }
                files.add(out.writeText("judge/" + b.getKey() + "/" + sinkscope.eval.JudgeFiles.fileName(b.getKey(), c.name()),
                        sinkscope.eval.JudgeFiles.render(b.getKey(), list, modelId, c.name())));
            }
        }
        return files;
    }

    /** The {@link Tables#BENCHMARK_METRICS} and {@link Tables#SIGNIFICANCE} rows of a predictions table. */
    public record Scored(List<Row> metrics, List<Row> significance) {}

    /**
     * Every benchmark's own metrics per config ({@link BenchmarkScores}, from the predictions' answers re-scored with
     * their references) and each config against {@code baseline} on the units both scored
     * ({@link Significance#paired}: the bootstrap interval with {@code options.resamples()} and {@code options.seed()}, level
     * 0.95, and McNemar's exact test for right/wrong units). The predictions are streamed to the driver.
     */
    public static Scored benchmarks(Dataset<Row> predictions, BenchmarkOptions options) {
        Tables.require(predictions, Tables.PREDICTIONS, "benchmark metrics");
        Map<String, Map<String, BenchmarkScores>> by = new TreeMap<>();
        Map<String, String> tasks = new TreeMap<>();
        Iterator<Row> it = predictions.select("benchmark", "task", "config", "question_id", "category", "group", "label", "options", "answers", "answer")
                .orderBy("benchmark", "config", "question_id").toLocalIterator();
        while (it.hasNext()) {
            Row r = it.next();
            String benchmark = r.getString(0);
            String task = r.getString(1);
            List<String> vocabulary = options.vocabulary(benchmark);
            if (task.equals(TaskScore.CAPTION) && vocabulary == null) {
                continue; // evaluate made these error rows already
            }
            if (task.equals(TaskScore.JUDGE)) {
                continue; // scored by the benchmark's judge from the files of writeJudgeFiles
            }
            tasks.putIfAbsent(benchmark, task);
            BenchmarkScores b = by.computeIfAbsent(benchmark, k -> new TreeMap<>(configOrder()))
                    .computeIfAbsent(r.getString(2), k -> new BenchmarkScores(benchmark, task, vocabulary));
            b.add(r.getString(3), r.getString(4), r.getString(5),
                    new TaskScore.Reference(benchmark, task, r.getString(6), strings(r.get(7)), strings(r.get(8))), r.getString(9));
        }
        List<Row> metrics = new ArrayList<>();
        List<Row> significance = new ArrayList<>();
        for (Map.Entry<String, Map<String, BenchmarkScores>> e : by.entrySet()) {
            String benchmark = e.getKey();
            for (Map.Entry<String, BenchmarkScores> c : e.getValue().entrySet()) {
                for (BenchmarkScores.Metric m : c.getValue().metrics()) {
                    metrics.add(RowFactory.create(benchmark, tasks.get(benchmark), c.getKey(), m.category(), m.metric(),
                            Double.isNaN(m.value()) ? null : m.value(), m.n()));
                }
            }
            for (String against : List.of(Interventions.BASELINE, Interventions.REFERENCE)) {
                BenchmarkScores base = e.getValue().get(against);
                if (base == null) {
                    continue;
                }
                Map<String, Double> baseUnits = base.units();
                for (Map.Entry<String, BenchmarkScores> c : e.getValue().entrySet()) {
                    if (c.getKey().equals(against) || c.getKey().equals(Interventions.BASELINE)) {
                        continue;
                    }
                    BenchmarkScores s = c.getValue();
                    boolean binary = s.binary() && base.binary();
                    Significance.Paired p = Significance.paired(baseUnits, s.units(), binary, options.resamples(), options.seed(), 0.95);
                    Significance.McNemar mc = p.mcnemar();
                    boolean significant = mc != null ? mc.p() < 0.05 : p.interval().excludesZero();
                    significance.add(RowFactory.create(benchmark, c.getKey(), against, s.unitMetric(), (long) p.n(), nan(p.baseline()), nan(p.config()),
                            nan(p.interval().difference()), nan(p.interval().lower()), nan(p.interval().upper()), 0.95, options.resamples(), options.seed(),
                            mc == null ? null : mc.baselineOnly(), mc == null ? null : mc.configOnly(), mc == null ? null : mc.p(), significant));
                }
            }
        }
        return new Scored(metrics, significance);
    }

    /** baseline first, then by name. */
    static java.util.Comparator<String> configOrder() {
        return java.util.Comparator.comparing((String c) -> !c.equals(Interventions.BASELINE)).thenComparing(java.util.Comparator.naturalOrder());
    }

    private static Double nan(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static List<String> strings(Object seq) {
        return seq == null ? List.of() : scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<String>) seq);
    }

    /**
     * POPE metrics per benchmark x config x category, plus category {@code all}, over the yes/no benchmarks' predictions labelled yes or no.
     * Positive = yes: TP = pred yes & label yes, FP = pred yes & label no, TN = pred no & label no, FN = pred
     * not yes & label yes ({@code other} is never correct). accuracy = (TP+TN)/n, precision = TP/(TP+FP),
     * recall = TP/(TP+FN), F1 = 2PR/(P+R), yes_ratio = (TP+FP)/n; a ratio with a zero denominator is 0.
     */
    public static Dataset<Row> metrics(Dataset<Row> predictions) {
        Tables.require(predictions, Tables.PREDICTIONS, "metrics");
        Dataset<Row> labelled = predictions.where(col("task").equalTo(TaskScore.YES_NO).and(col("label").isin("yes", "no")))
                .withColumn("category", expr("coalesce(category, 'unknown')"));
        Column[] counts = {
            expr("count(*)").as("n"),
            expr("count_if(pred = 'yes' and label = 'yes')").as("tp"),
            expr("count_if(pred = 'yes' and label = 'no')").as("fp"),
            expr("count_if(pred = 'no' and label = 'no')").as("tn"),
            expr("count_if(pred <> 'yes' and label = 'yes')").as("fn"),
        };
        // one aggregation: (benchmark, config, category) and (benchmark, config) as the category all; the totals above are dropped
        return labelled.rollup("benchmark", "config", "category").agg(counts[0], counts[1], counts[2], counts[3], counts[4],
                        expr("grouping(config)").as("total"), expr("grouping(category)").as("per_config"))
                .where("total = 0")
                .withColumn("category", expr("if(per_config = 1, 'all', category)"))
                .select("benchmark", "config", "category", "n", "tp", "fp", "tn", "fn")
                .withColumn("accuracy", ratio("tp + tn", "n"))
                .withColumn("precision", ratio("tp", "tp + fp"))
                .withColumn("recall", ratio("tp", "tp + fn"))
                .withColumn("f1", ratio("2 * precision * recall", "precision + recall"))
                .withColumn("yes_ratio", ratio("tp + fp", "n"));
    }

    private static Column ratio(String num, String den) {
        return expr("case when " + den + " = 0 then 0.0d else cast(" + num + " as double) / (" + den + ") end");
    }
}
