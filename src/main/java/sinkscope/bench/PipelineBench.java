package sinkscope.bench;

import static org.apache.spark.sql.functions.sum;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import sinkscope.data.SyntheticBenchmark;
import sinkscope.model.Torch;
import sinkscope.spark.EvalConfig;
import sinkscope.spark.ExtractOptions;
import sinkscope.spark.OutputRoot;
import sinkscope.spark.Pipeline;
import sinkscope.spark.RunnerSpec;
import sinkscope.spark.SampleSource;
import sinkscope.spark.Tables;

/**
 * The Spark pipeline's cost on top of the model: extract + evaluate (configs baseline and var) over {@code n}
 * synthetic POPE samples ({@link SyntheticBenchmark}), run {@code runs} times alternately with {@code local[1]} and
 * {@code local[2]} in one JVM, every task on one intra-op thread (so {@code local[k]} uses k cores). Each run reads
 * the questions file and writes a fresh output root; the model is loaded once (a warm-up run) and stays loaded in the
 * JVM's {@code ExecutorModels} across runs. Figures, medians over the runs:
 * <ul>
 *   <li>{@code spark_overhead} (target at most 1.10): for a {@code local[2]} run, {@code W * k / M} where {@code W}
 *       is the wall time from reading the questions to the last table of evaluate written, {@code k = 2} task slots,
 *       and {@code M} the sum of per-sample model times of that run: {@code samples.model_time_ms} (extract: the
 *       whole {@code SampleRunner.extract} call — image decode, tokenization, prefill with statistics, result rows)
 *       plus {@code predictions.latency_ms} (evaluate: the whole {@code SampleRunner.predict} call — image decode,
 *       tokenization, generation, answer decoding), both taken by the runner from call entry to return. 1 means
 *       every slot spent the whole wall time inside the model calls; the rest is Spark (scheduling, rows, Parquet
 *       writes, idle slots at the end of a stage). {@code spark_overhead_local1} is the same for {@code local[1]}.</li>
 *   <li>{@code scaling_2_vs_1} (target at least 1.8): throughput (samples / W) with {@code local[2]} over that with
 *       {@code local[1]}, the median of the ratios of adjacent run pairs.</li>
 *   <li>{@code scaling_model_bound}: the scaling a pipeline without any Spark cost would reach on this machine,
 *       {@code k * m1 / m2} with {@code m1}, {@code m2} the model seconds per sample with {@code local[1]} and
 *       {@code local[k]} (the same pairs' median): below {@code k} when concurrent tasks slow each other down (shared
 *       cores, caches, memory bandwidth), which no scheduling can win back.</li>
 *   <li>{@code parquet_bytes_per_sample}: the bytes of every file under a run's output root (apparent size, as
 *       {@code du -sb}: the extract and evaluate tables, Parquet files with Spark's markers and checksums) over n.</li>
 * </ul>
 */
public final class PipelineBench {
    /** The configs evaluate runs. */
    public static final List<String> CONFIGS = List.of("baseline", "var");
    private static final List<String> MASTERS = List.of("local[1]", "local[2]");

    /**
     * @param samples n, the evaluation questions used
     * @param runs timed runs per master
     * @param warmup samples of the untimed first run that loads the model and warms the JIT
     * @param runner the model; its {@code threads} is forced to 1
     * @param work an empty or missing directory for the synthetic data and the output roots
     * @param timeline print each timed run's Spark jobs ({@link JobTimeline})
     */
    public record Settings(int samples, int runs, int warmup, RunnerSpec runner, Path work, boolean timeline) {}

    /** One timed run: wall seconds, summed model seconds, samples processed, task slots, output bytes. */
    public record Run(String master, double wallSeconds, double modelSeconds, long samples, int slots, long bytes) {
        /** {@code W * k / M}. */
        public double overhead() {
            return wallSeconds * slots / modelSeconds;
        }

        public double samplesPerSecond() {
            return samples / wallSeconds;
        }

        /** Model seconds per sample: grows with {@code local[2]} when two concurrent tasks slow each other down. */
        public double modelPerSample() {
            return modelSeconds / samples;
        }
    }

    private final Settings settings;
    private final PrintStream out;

    public PipelineBench(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Runs everything and returns the figures by name (also printed as {@code name: value} lines). */
    public Map<String, Double> run() throws IOException {
        Settings s = settings;
        if (s.samples < 1 || s.runs < 1) {
            throw new IllegalArgumentException("--samples and --runs must be at least 1");
        }
        RunnerSpec spec = spec(1);
        Path synth = synthetic();
        out.printf(Locale.ROOT, "bench-pipeline: %d samples x (extract + evaluate %s), %d runs per master, 1 intra-op thread per task, model %s%n",
                s.samples, CONFIGS, s.runs, spec.modelDir());

        time("local[2]", settings(spec, synth, s.work.resolve("warmup"), Math.max(1, s.warmup)), null);
        List<Run> one = new ArrayList<>();
        List<Run> two = new ArrayList<>();
        for (int i = 0; i < s.runs; i++) {
            for (String master : MASTERS) {
                Run run = time(master, settings(spec, synth, s.work.resolve("out-" + i + "-" + master.replaceAll("\\W", "")), s.samples),
                        s.timeline ? out : null);
                out.printf(Locale.ROOT, "run %d %s: wall %.2f s, model %.2f s, %.1f samples/s, overhead %.3f, %d bytes%n", i + 1, master,
                        run.wallSeconds, run.modelSeconds, run.samplesPerSecond(), run.overhead(), run.bytes);
                (master.equals("local[1]") ? one : two).add(run);
            }
        }
        List<Double> scaling = new ArrayList<>();
        List<Double> bound = new ArrayList<>();
        for (int i = 0; i < s.runs; i++) {
            scaling.add(two.get(i).samplesPerSecond() / one.get(i).samplesPerSecond());
            bound.add(two.get(i).slots * one.get(i).modelPerSample() / two.get(i).modelPerSample());
        }
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("spark_overhead", Figures.median(two.stream().map(Run::overhead).toList()));
        figures.put("spark_overhead_local1", Figures.median(one.stream().map(Run::overhead).toList()));
        figures.put("scaling_2_vs_1", Figures.median(scaling));
        figures.put("scaling_model_bound", Figures.median(bound));
        figures.put("samples_per_s_local1", Figures.median(one.stream().map(Run::samplesPerSecond).toList()));
        figures.put("samples_per_s_local2", Figures.median(two.stream().map(Run::samplesPerSecond).toList()));
        figures.put("parquet_bytes_per_sample", Figures.median(two.stream().map(run -> (double) run.bytes / run.samples).toList()));
        for (Map.Entry<String, Double> e : figures.entrySet()) {
            out.printf(Locale.ROOT, "%s: %.3f%n", e.getKey(), e.getValue());
        }
        return figures;
    }

    /** The runner with libtorch's threads set to {@code threads} (before the engine loads). */
    private RunnerSpec spec(int threads) {
        Torch.configure(threads);
        RunnerSpec r = settings.runner;
        return new RunnerSpec(r.factoryClass(), r.modelDir(), r.dtype(), threads, r.sinkDims(), r.tau(), r.template(), r.maxNewTokens(), r.seed());
    }

    /** The synthetic benchmark under {@code work/synth} with at least {@code samples} eval questions. */
    private Path synthetic() throws IOException {
        Path synth = settings.work.resolve("synth");
        // the eval half of the images carries ~14 questions each
        SyntheticBenchmark.Summary made = SyntheticBenchmark.generate(synth, settings.samples / 5 + 2, 1, SyntheticBenchmark.DEFAULT_SIZE,
                SyntheticBenchmark.DEFAULT_TRAIN_FRACTION);
        if (made.evalQuestions() < settings.samples) {
            throw new IllegalStateException("synthetic benchmark has " + made.evalQuestions() + " eval questions, fewer than " + settings.samples);
        }
        return synth;
    }

    private Pipeline.Settings settings(RunnerSpec spec, Path synth, Path outDir, int limit) {
        return settings(spec, synth, outDir, limit, 1);
    }

    private Pipeline.Settings settings(RunnerSpec spec, Path synth, Path outDir, int limit, int batchSize) {
        return new Pipeline.Settings(synth.resolve("eval/questions.jsonl"), null, SampleSource.Columns.defaults(),
                synth.resolve("images").toString(), outDir.toString(), false, limit, 0, spec, ExtractOptions.defaults(),
                CONFIGS.stream().map(EvalConfig::parse).toList(), null, 2, 16, sinkscope.spark.BenchmarkOptions.defaults(), List.of(), batchSize);
    }

    /**
     * {@code --batch-size 1,4,8}: evaluate alone ({@link #CONFIGS}, greedy up to the runner's {@code max_new_tokens},
     * EOS stops) on {@code local[1]} with every core given to libtorch, once per batch size and run, the batch sizes
     * interleaved within each run. Prints samples/s (predictions over wall seconds) per batch size and
     * {@code batch_speedup_B}: the median over runs of samples/s at B over samples/s at the first size of the same run.
     */
    public Map<String, Double> batchSizes(List<Integer> sizes) throws IOException {
        Settings s = settings;
        int threads = Runtime.getRuntime().availableProcessors();
        RunnerSpec spec = spec(threads);
        Path synth = synthetic();
        out.printf(Locale.ROOT, "bench-pipeline --batch-size %s: evaluate %d samples x %s, max_new_tokens %d, local[1], %d intra-op threads, %d runs, model %s%n",
                sizes, s.samples, CONFIGS, spec.maxNewTokens(), threads, s.runs, spec.modelDir());
        evaluate(settings(spec, synth, s.work.resolve("warmup"), Math.max(1, s.warmup), sizes.get(sizes.size() - 1)));
        Map<Integer, List<Double>> rate = new LinkedHashMap<>();
        Map<Integer, List<Double>> speedup = new LinkedHashMap<>();
        for (int i = 0; i < s.runs; i++) {
            double base = 0;
            for (int b : sizes) {
                double[] run = evaluate(settings(spec, synth, s.work.resolve("batch-" + i + "-" + b), s.samples, b));
                double sps = run[1] / run[0];
                out.printf(Locale.ROOT, "run %d batch %d: wall %.2f s, %d predictions, %.2f samples/s, mean answer words %.1f%n", i + 1, b, run[0],
                        (long) run[1], sps, run[2]);
                if (b == sizes.get(0)) {
                    base = sps;
                }
                rate.computeIfAbsent(b, k -> new ArrayList<>()).add(sps);
                speedup.computeIfAbsent(b, k -> new ArrayList<>()).add(sps / base);
            }
        }
        Map<String, Double> figures = new LinkedHashMap<>();
        for (int b : sizes) {
            figures.put("samples_per_s_batch_" + b, Figures.median(rate.get(b)));
        }
        for (int b : sizes.subList(1, sizes.size())) {
            figures.put("batch_speedup_" + b, Figures.median(speedup.get(b)));
        }
        for (Map.Entry<String, Double> e : figures.entrySet()) {
            out.printf(Locale.ROOT, "%s: %.3f%n", e.getKey(), e.getValue());
        }
        return figures;
    }

    /** One evaluate run in a fresh local[1] session: wall seconds, predictions, mean answer words. */
    private static double[] evaluate(Pipeline.Settings s) throws IOException {
        SparkSession spark = Pipeline.session("local", "local[1]", "sinkscope bench-pipeline --batch-size");
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
            long t0 = System.nanoTime();
            Pipeline.evaluate(spark, s, Pipeline.source(spark, s), quiet);
            double wall = (System.nanoTime() - t0) / 1e9;
            Row p = new OutputRoot(spark, s.out(), false).read("predictions", Tables.PREDICTIONS)
                    .agg(org.apache.spark.sql.functions.count("*"), org.apache.spark.sql.functions.avg(
                            org.apache.spark.sql.functions.size(org.apache.spark.sql.functions.split(org.apache.spark.sql.functions.col("answer"), " "))))
                    .first();
            return new double[] {wall, p.getLong(0), p.isNullAt(1) ? 0 : p.getDouble(1)};
        } finally {
            spark.stop();
        }
    }

    /** One pipeline run (extract + evaluate) in a fresh session on {@code master}; its job timeline to {@code timeline} when not null. */
    private static Run time(String master, Pipeline.Settings s, PrintStream timeline) throws IOException {
        SparkSession spark = Pipeline.session("local", master, "sinkscope bench-pipeline");
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
            int slots = spark.sparkContext().defaultParallelism();
            JobTimeline jobs = timeline == null ? null : JobTimeline.start(spark.sparkContext());
            long t0 = System.nanoTime();
            SampleSource source = Pipeline.source(spark, s);
            Pipeline.extract(spark, s, source, quiet);
            Pipeline.evaluate(spark, s, source, quiet);
            double wall = (System.nanoTime() - t0) / 1e9;
            if (jobs != null) {
                jobs.stop();
            }
            OutputRoot root = new OutputRoot(spark, s.out(), false);
            Row extract = root.read("samples", Tables.SAMPLES).agg(sum("model_time_ms"), org.apache.spark.sql.functions.count("*")).first();
            Row evaluate = root.read("predictions", Tables.PREDICTIONS).agg(sum("latency_ms")).first();
            double model = (extract.getLong(0) + evaluate.getLong(0)) / 1e3;
            if (jobs != null) {
                timeline.printf(Locale.ROOT, "timeline %s (extract model %.2f s, evaluate model %.2f s):%n", master, extract.getLong(0) / 1e3,
                        evaluate.getLong(0) / 1e3);
                jobs.print(spark.sparkContext(), slots, wall, model, timeline);
            }
            return new Run(master, wall, model, extract.getLong(1), slots, bytes(Path.of(s.out())));
        } finally {
            spark.stop();
        }
    }

    /** Apparent size of every regular file under {@code dir}. */
    static long bytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            long total = 0;
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                total += Files.size(p);
            }
            return total;
        }
    }
}
