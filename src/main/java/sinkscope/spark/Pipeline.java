package sinkscope.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * extract, sinkstats and evaluate in one Spark application, and the pieces the commands share: the
 * {@link SparkSession} from a profile, the input samples, the stages built from {@link Settings}.
 */
public final class Pipeline {
    private Pipeline() {}

    /**
     * Everything a job needs from the command line.
     *
     * @param questions a LLaVA/POPE question JSONL file, or {@code null} when {@code table} is set
     * @param table a Parquet folder with samples (columns named by {@code columns}), or {@code null}
     * @param images image root that image paths are relative to
     * @param limit only the first {@code limit} inputs (0 = all)
     * @param partitions tasks per stage (0 = Spark's default parallelism)
     * @param sinkDimsFrom an output root whose {@code sink_dimensions} recommended dims become the runner's
     *     D_sink when {@code runner.sinkDims()} is empty; or {@code null}
     * @param benchmarks the benchmark defaults, prompt suffixes, caption length, CHAIR vocabulary and bootstrap settings
     * @param published benchmarks read from their published layouts ({@link sinkscope.benchmark.PublishedBenchmark}) instead
     *     of {@code questions}/{@code table}; then {@code images} is {@link SampleSource#imageRoot} of them; empty otherwise
     * @param batchSize samples per forward pass in extract and evaluate (1: one at a time; see {@link SampleRunner})
     */
    public record Settings(
            Path questions,
            String table,
            SampleSource.Columns columns,
            String images,
            String out,
            boolean resume,
            int limit,
            int partitions,
            RunnerSpec runner,
            ExtractOptions extract,
            List<EvalConfig> configs,
            String sinkDimsFrom,
            int topK,
            int bins,
            BenchmarkOptions benchmarks,
            List<sinkscope.benchmark.PublishedBenchmark.Input> published,
            int batchSize) {

        public Settings {
            published = published == null ? List.of() : List.copyOf(published);
            if (batchSize < 1) {
                throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
            }
        }

        /** Settings one sample per forward pass. */
        public Settings(Path questions, String table, SampleSource.Columns columns, String images, String out, boolean resume, int limit,
                        int partitions, RunnerSpec runner, ExtractOptions extract, List<EvalConfig> configs, String sinkDimsFrom, int topK,
                        int bins, BenchmarkOptions benchmarks, List<sinkscope.benchmark.PublishedBenchmark.Input> published) {
            this(questions, table, columns, images, out, resume, limit, partitions, runner, extract, configs, sinkDimsFrom, topK, bins,
                    benchmarks, published, 1);
        }

        /** Settings of a question file or table input (no published layouts), one sample per forward pass. */
        public Settings(Path questions, String table, SampleSource.Columns columns, String images, String out, boolean resume, int limit,
                        int partitions, RunnerSpec runner, ExtractOptions extract, List<EvalConfig> configs, String sinkDimsFrom, int topK,
                        int bins, BenchmarkOptions benchmarks) {
            this(questions, table, columns, images, out, resume, limit, partitions, runner, extract, configs, sinkDimsFrom, topK, bins,
                    benchmarks, List.of(), 1);
        }

        /** Settings with {@link BenchmarkOptions#defaults()}. */
        public Settings(Path questions, String table, SampleSource.Columns columns, String images, String out, boolean resume, int limit,
                        int partitions, RunnerSpec runner, ExtractOptions extract, List<EvalConfig> configs, String sinkDimsFrom, int topK,
                        int bins) {
            this(questions, table, columns, images, out, resume, limit, partitions, runner, extract, configs, sinkDimsFrom, topK, bins,
                    BenchmarkOptions.defaults());
        }
    }

    /**
     * A session configured by {@code profile}: a properties file path, or a name looked up as
     * {@code conf/<name>.properties} under the {@code sinkscope.home} system property (set by
     * {@code jobs/sinkscope}) or the working directory. Settings already given to Spark (by
     * {@code spark-submit}: {@code spark.*} system properties) win over the profile; {@code master}, when not
     * null, wins over both. Without any master the session runs {@code local[*]}.
     */
    public static SparkSession session(String profile, String master, String appName) throws IOException {
        SparkConf conf = new SparkConf(true);
        for (Map.Entry<String, String> e : profile(profile).entrySet()) {
            if (!conf.contains(e.getKey())) {
                conf.set(e.getKey(), e.getValue());
            }
        }
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        if (!conf.contains("spark.app.name")) {
            conf.setAppName(appName);
        }
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        sinkscope.data.Storage.configure(spark.sparkContext().hadoopConfiguration());
        return spark;
    }

    /** The profile's properties; the built-in {@code local} profile is empty when no file is found. */
    public static Map<String, String> profile(String profile) throws IOException {
        Path file = Path.of(profile);
        if (!Files.isRegularFile(file)) {
            Path home = Path.of(System.getProperty("sinkscope.home", ""));
            file = home.resolve("conf").resolve(profile + ".properties");
        }
        Map<String, String> out = new TreeMap<>();
        if (!Files.isRegularFile(file)) {
            if (profile.equals("local")) {
                return out;
            }
            throw new IllegalArgumentException("Spark profile '" + profile + "' not found: no file " + profile
                    + " and no " + file.toAbsolutePath());
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        for (String k : p.stringPropertyNames()) {
            out.put(k, p.getProperty(k).trim());
        }
        return out;
    }

    /** The input samples from the published benchmarks, the questions file or the table, limited to the first {@code limit}. */
    public static SampleSource source(SparkSession spark, Settings s) throws IOException {
        if (!s.published().isEmpty()) {
            return SampleSource.published(spark, s.published(), s.images() == null ? null : sinkscope.data.Storage.path(s.images()), s.limit(), s.benchmarks());
        }
        if (s.questions() != null) {
            return SampleSource.jsonl(spark, s.questions(), s.limit(), s.benchmarks());
        }
        Dataset<Row> table = spark.read().parquet(s.table());
        return SampleSource.table(s.limit() > 0 ? table.limit(s.limit()) : table, s.columns(), s.benchmarks());
    }

    /**
     * Writes the inputs that could not become samples to {@code errors/job=read} (extract does it in a pipeline; a lone
     * {@code evaluate} calls this so its bad lines are rows too).
     */
    public static void writeReadErrors(SparkSession spark, Settings s, SampleSource source) {
        new OutputRoot(spark, s.out(), s.resume()).writeErrors("read", spark.createDataFrame(source.errors(), Tables.ERRORS));
    }

    public static ExtractJob.Counts extract(SparkSession spark, Settings s, SampleSource source, PrintStream log) {
        ExtractStage stage = new ExtractStage().setRunner(s.runner()).setOptions(s.extract())
                .setImageRoot(s.images()).setPartitions(s.partitions()).setBatchSize(s.batchSize());
        return ExtractJob.run(spark, source, new OutputRoot(spark, s.out(), s.resume()), stage, log);
    }

    public static List<Integer> sinkstats(SparkSession spark, Settings s, PrintStream log) {
        return new SinkStatsJob().setTopK(s.topK()).setBins(s.bins()).run(new OutputRoot(spark, s.out(), false), log);
    }

    /** Evaluates with {@code s.runner()}, its D_sink taken from {@code sinkDimsFrom} when set and none given. */
    public static EvaluateJob.Counts evaluate(SparkSession spark, Settings s, SampleSource source, PrintStream log) {
        RunnerSpec spec = s.runner();
        if (s.sinkDimsFrom() != null && spec.sinkDims().isEmpty()) {
            OutputRoot previous = new OutputRoot(spark, s.sinkDimsFrom(), false);
            if (!previous.exists("sink_dimensions")) {
                throw new IllegalArgumentException("--sink-dims-from " + s.sinkDimsFrom() + ": no sink_dimensions table there");
            }
            List<Integer> dims = SinkStatsJob.recommended(previous.read("sink_dimensions", Tables.SINK_DIMENSIONS));
            log.println("evaluate: sink dims " + dims + " from " + previous.path("sink_dimensions"));
            spec = new RunnerSpec(spec.factoryClass(), spec.modelDir(), spec.dtype(), spec.threads(), dims,
                    spec.tau(), spec.template(), spec.maxNewTokens(), spec.seed());
        }
        EvaluateStage stage = new EvaluateStage().setRunner(spec).setConfigs(s.configs()).setBenchmarks(s.benchmarks())
                .setImageRoot(s.images()).setPartitions(s.partitions()).setBatchSize(s.batchSize()).setAttentionLayers(s.extract().attentionLayers());
        return EvaluateJob.run(spark, source, new OutputRoot(spark, s.out(), s.resume()), stage, log);
    }

    /** {@link #run(SparkSession, Settings, ErrorBudget, PrintStream)} with the default {@link ErrorBudget}. */
    public static boolean run(SparkSession spark, Settings s, PrintStream log) throws IOException {
        return run(spark, s, new ErrorBudget(ErrorBudget.DEFAULT), log);
    }

    /** Throws {@link ErrorBudget.Exceeded} when extract's read and extract errors are over {@code budget}. */
    public static void check(SparkSession spark, Settings s, ExtractJob.Counts c, ErrorBudget budget) {
        OutputRoot out = new OutputRoot(spark, s.out(), false);
        budget.check("extract", c.inputs(), c.errors(), out.errors("read").union(out.errors("extract")));
    }

    /** Throws {@link ErrorBudget.Exceeded} when evaluate's errors are over {@code budget}. */
    public static void check(SparkSession spark, Settings s, EvaluateJob.Counts c, ErrorBudget budget) {
        budget.check("evaluate", c.runs(), c.errors(), new OutputRoot(spark, s.out(), false).errors("evaluate"));
    }

    /**
     * The three jobs on one input read; true when both invariants hold. A stage over {@code budget} stops the run after
     * it ({@link ErrorBudget.Exceeded}).
     */
    public static boolean run(SparkSession spark, Settings s, ErrorBudget budget, PrintStream log) throws IOException {
        SampleSource source = source(spark, s);
        ExtractJob.Counts extracted = extract(spark, s, source, log);
        check(spark, s, extracted, budget);
        sinkstats(spark, s, log);
        EvaluateJob.Counts evaluated = evaluate(spark, s, source, log);
        check(spark, s, evaluated, budget);
        RunSummary.print(new OutputRoot(spark, s.out(), false), log);
        return extracted.balanced() && evaluated.balanced();
    }
}
