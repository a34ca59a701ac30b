package sinkscope.cli;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import sinkscope.data.PublishedBenchmark;
import sinkscope.spark.BenchmarkOptions;
import sinkscope.spark.EvalConfig;
import sinkscope.spark.ExtractOptions;
import sinkscope.spark.Pipeline;
import sinkscope.spark.RunnerSpec;
import sinkscope.spark.SampleSource;

/**
 * The flags the Spark commands share (every command accepts all of them, so one command line works for
 * extract, sinkstats, evaluate and pipeline):
 * <pre>
 * --questions FILE.jsonl | --table PARQUET_DIR [--id-col C --image-col C --question-col C --label-col C --category-col C]
 * --images DIR --model DIR --out DIR [--resume] [--limit N] [--partitions N] [--batch-size 1] [--synthetic-images 24]
 * [--sink-dims a,b | --sink-dims-from OUT_DIR] [--tau T] [--configs baseline,var,...] [--max-new-tokens 8]
 * [--dtype auto] [--threads N] [--template llava_hf] [--attention-layers a,b] [--dim-floor F]
 * [--top-k 2] [--bins 16] [--runner CLASS] [--profile local|gpu-cluster|FILE] [--master local[2]] [--device cpu|cuda:N]
 * [--model-cache DIR] [--max-error-fraction 0.5] [--tokens-keep all|image|sinks|layers=a,b|sample=N@SEED]
 * [--benchmark pope | --benchmark NAME --annotations FILE[,FILE] | --benchmark 'NAME=FILE[,FILE][@IMAGES];...'] [--prompt-suffix auto|llava|qwen2_vl|none] [--caption-max-new-tokens 24] [--judge-max-new-tokens 1024] [--all-rounds] [--synonyms FILE] [--resamples 1000] [--seed 0]
 * </pre>
 * {@code --benchmark} with {@code --annotations}, or as {@code NAME=FILES[@IMAGES]} pairs, reads benchmarks in their published
 * layouts ({@link #published}) instead of a question file.
 * Every path may be a URI of any scheme the cluster's Hadoop has ({@link sinkscope.data.Storage}); local paths are made absolute here, at the driver.
 * Without {@code --questions}, {@code --table} and published benchmarks the input is the embedded default: a held-out synthetic POPE set of
 * {@code --synthetic-images} images generated once under {@code runs/}; {@code --out} defaults to {@code runs/latest}.
 * Without {@code --tau} the sink threshold is size-relative, {@code 0.3125 sqrt(hidden)} (the paper's 20 at hidden
 * 4096); without {@code --dim-floor} the floor of the dims table is {@code tau} (it counts massive activations).
 */
final class SparkFlags {
    private SparkFlags() {}

    /**
     * The flags of a recorded run ({@code --from-run OUT/run.json}, {@link sinkscope.report.RunInfo#recordedFlags}) with the
     * ones given now (e.g. {@code --out}) over them; the given flags when there is no {@code --from-run}.
     */
    static Args fromRun(Args given, String command) throws java.io.IOException {
        String fromRun = given.string("from-run", null);
        if (fromRun == null) {
            return given;
        }
        java.util.Map<String, String> now = new java.util.LinkedHashMap<>(given.flags());
        now.remove("from-run");
        Args args = Args.of(sinkscope.report.RunInfo.recordedFlags(sinkscope.data.Storage.path(fromRun)),
                new Args(now.entrySet().stream().flatMap(e -> java.util.stream.Stream.of("--" + e.getKey(), e.getValue())).toArray(String[]::new)));
        System.out.println(command + ": re-running " + fromRun + " with " + args.flags());
        return args;
    }

    /** Writes the run record of {@code command} ({@link sinkscope.report.RunInfo#record}) as {@code OUT/run.json}; returns its path. */
    static java.nio.file.Path writeRecord(Pipeline.Settings s, SparkSession spark, String command, Args args) throws java.io.IOException {
        java.nio.file.Path file = sinkscope.data.Storage.path(s.out()).resolve(sinkscope.report.RunInfo.RECORD);
        sinkscope.report.RunInfo.writeRecord(sinkscope.report.RunInfo.record(s, spark.sparkContext().master(), command,
                new java.util.LinkedHashMap<>(args.flags()), spark.version()), file);
        return file;
    }

    /** config.json's {@code model_type} of the model folder (the bundled model when null); null when it cannot be read. */
    private static String modelType(String modelDir) {
        java.nio.file.Path dir = modelDir == null ? sinkscope.model.BundledModel.path() : sinkscope.data.Storage.path(modelDir);
        try {
            return sinkscope.model.auto.Families.modelType(sinkscope.model.Checkpoint.configFile(dir));
        } catch (RuntimeException e) {
            return null; // loading the model reports what is wrong with it
        }
    }

    /** {@code --model DIR|URI}: a model folder (made absolute here, at the driver) or a URI copied to each node ({@link sinkscope.spark.ModelCache}); null: the bundled model. */
    private static String modelFlag(Args a) {
        return sinkscope.data.Storage.absolute(a.string("model", null));
    }

    /** {@code --max-error-fraction F}: a stage whose error rows pass F of its inputs stops the run ({@link sinkscope.spark.ErrorBudget}). */
    static sinkscope.spark.ErrorBudget errorBudget(Args a) {
        return new sinkscope.spark.ErrorBudget(a.number("max-error-fraction", sinkscope.spark.ErrorBudget.DEFAULT));
    }

    /** Parses the shared flags; {@code needsInput}: --questions or --table is required. */
    static Pipeline.Settings settings(Args a, boolean needsInput) {
        String questions = a.string("questions", null);
        String table = a.string("table", null);
        if (questions != null && table != null) {
            throw new Args.UsageException("give one of --questions FILE.jsonl and --table PARQUET_DIR, not both");
        }
        String images = a.string("images", null);
        List<PublishedBenchmark.Input> published = published(a, images);
        if (!published.isEmpty()) {
            if (questions != null || table != null) {
                throw new Args.UsageException("give the benchmarks in their published layouts (--benchmark NAME=FILES or --annotations) "
                        + "or --questions/--table, not both");
            }
            java.nio.file.Path root = SampleSource.imageRoot(published);
            images = root == null ? null : root.toString();
        }
        int syntheticImages = a.integer("synthetic-images", 24);
        int[] syntheticSize = size(a.string("synthetic-size", null));
        if (needsInput && questions == null && table == null && published.isEmpty()) {
            // the embedded default: a held-out synthetic POPE set, generated once under runs/
            String suffix = syntheticSize == null ? "" : "-" + syntheticSize[0] + "x" + syntheticSize[1];
            java.nio.file.Path dir = home().resolve("runs").resolve("synthetic-pope-eval-" + syntheticImages + suffix);
            try {
                if (syntheticSize == null) {
                    sinkscope.data.SyntheticBenchmark.ensureEvalSet(dir, syntheticImages, EMBEDDED_SEED);
                } else {
                    sinkscope.data.SyntheticBenchmark.ensureEvalSet(dir, syntheticImages, EMBEDDED_SEED, syntheticSize[0], syntheticSize[1]);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write the synthetic evaluation set to " + dir, e);
            }
            questions = dir.resolve("eval").resolve("benchmarks.jsonl").toString();
            if (images == null) {
                images = dir.resolve("images").toString();
            }
        }
        SampleSource.Columns d = SampleSource.Columns.defaults();
        SampleSource.Columns columns = new SampleSource.Columns(a.string("id-col", d.id()), a.string("image-col", d.image()),
                a.string("question-col", d.question()), a.string("label-col", d.label()), a.string("category-col", d.category()));
        ModelFlags.visionTower(a);
        int[] dims = a.ints("sink-dims");
        RunnerSpec runner = new RunnerSpec(
                a.string("runner", RunnerSpec.DEFAULT_FACTORY),
                modelFlag(a),
                a.string("dtype", "auto"),
                a.integer("threads", defaultThreads(a.string("master", null))),
                dims == null ? List.of() : Arrays.stream(dims).boxed().toList(),
                a.number("tau", Double.NaN),
                a.string("template", "model"),
                a.integer("max-new-tokens", 8));
        ExtractOptions defaults = ExtractOptions.defaults();
        int[] layers = a.ints("attention-layers");
        ExtractOptions extract = new ExtractOptions(layers == null ? DEFAULT_ATTENTION_LAYERS : Arrays.stream(layers).boxed().toList(),
                a.number("dim-floor", Double.NaN), defaults.summ(), defaults.rho(),
                // --tokens-keep all|image|sinks|layers=a,b|sample=N@SEED: which rows the tokens table keeps
                sinkscope.spark.TokensKeep.parse(a.string("tokens-keep", "all")));
        List<EvalConfig> configs = EvalConfig.parseList(a.string("configs", DEFAULT_CONFIGS));
        String synonymsFile = a.string("synonyms", null);
        List<String> synonyms = null;
        if (synonymsFile != null) {
            try {
                synonyms = java.nio.file.Files.readAllLines(sinkscope.data.Storage.path(synonymsFile), java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new Args.UsageException("--synonyms " + synonymsFile + ": cannot read: " + e.getMessage());
            }
        }
        String defaultBenchmark = published.isEmpty() ? a.string("benchmark", BenchmarkOptions.DEFAULT_BENCHMARK) : published.get(0).benchmark();
        String suffixMode = a.string("prompt-suffix", "auto");
        if (suffixMode.equals("auto")) {
            suffixMode = sinkscope.data.PromptTemplate.suffixModeFor(modelType(runner.modelDir()));
        }
        BenchmarkOptions benchmarks = new BenchmarkOptions(defaultBenchmark.toLowerCase(java.util.Locale.ROOT),
                suffixMode, a.integer("caption-max-new-tokens", BenchmarkOptions.DEFAULT_CAPTION_TOKENS),
                a.integer("judge-max-new-tokens", BenchmarkOptions.DEFAULT_JUDGE_TOKENS), a.bool("all-rounds", false), synonyms, a.integer("resamples", BenchmarkOptions.DEFAULT_RESAMPLES), a.integer("seed", 0));
        return new Pipeline.Settings(
                questions == null ? null : sinkscope.data.Storage.path(sinkscope.data.Storage.absolute(questions)),
                sinkscope.data.Storage.absolute(table),
                columns,
                sinkscope.data.Storage.absolute(images),
                sinkscope.data.Storage.absolute(a.string("out", home().resolve("runs").resolve("latest").toString())),
                a.bool("resume", false),
                a.integer("limit", 0),
                a.integer("partitions", 0),
                runner,
                extract,
                configs,
                a.string("sink-dims-from", null) == null ? null : sinkscope.data.Storage.absolute(a.string("sink-dims-from", null)),
                a.integer("top-k", 2),
                a.integer("bins", 16),
                benchmarks,
                published,
                a.integer("batch-size", 1));
    }

    /**
     * The benchmarks given in their published layouts: {@code --benchmark NAME --annotations FILE[,FILE]} (images in
     * {@code --images DIR}), or {@code --benchmark 'NAME=FILE[,FILE][@IMAGES];NAME=...'} for several; empty when
     * {@code --benchmark} is only the default benchmark's name.
     */
    static List<PublishedBenchmark.Input> published(Args a, String images) {
        String benchmark = a.string("benchmark", null);
        String annotations = a.string("annotations", null);
        try {
            if (benchmark != null && benchmark.contains("=")) {
                if (annotations != null || images != null) {
                    throw new Args.UsageException("--benchmark NAME=FILES[@IMAGES] names each benchmark's files and images; "
                            + "drop --annotations and --images");
                }
                List<PublishedBenchmark.Input> out = new java.util.ArrayList<>();
                java.util.Set<String> names = new java.util.HashSet<>();
                for (String spec : benchmark.split(";")) {
                    if (!spec.isBlank()) {
                        PublishedBenchmark.Input in = PublishedBenchmark.Input.parse(spec.trim());
                        if (!names.add(in.benchmark())) {
                            throw new Args.UsageException("--benchmark names " + in.benchmark() + " twice");
                        }
                        out.add(in);
                    }
                }
                return out;
            }
            if (annotations == null) {
                return List.of();
            }
            if (benchmark == null) {
                throw new Args.UsageException("--annotations needs --benchmark NAME (one of " + PublishedBenchmark.NAMES + ")");
            }
            return List.of(new PublishedBenchmark.Input(benchmark, PublishedBenchmark.Input.files(annotations),
                    images == null ? null : sinkscope.data.Storage.path(sinkscope.data.Storage.absolute(images))));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--benchmark: " + e.getMessage());
        }
    }

    /**
     * Intra-op threads per task when {@code --threads} is not given: in local mode the cores divided among the task
     * slots of {@code local[k]} (libtorch's workers spin when cores are oversubscribed, and one model serves every task
     * thread of the JVM); 0 (all cores) on a cluster, where the profile gives each task its cores.
     */
    static int defaultThreads(String master) {
        int cores = Runtime.getRuntime().availableProcessors();
        String m = master != null ? master.trim() : System.getProperty("spark.master", "local[*]").trim();
        java.util.regex.Matcher k = java.util.regex.Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]").matcher(m);
        if (m.equals("local")) {
            return cores;
        }
        if (!k.matches()) {
            return 0;
        }
        int slots = k.group(1).equals("*") ? cores : Integer.parseInt(k.group(1));
        return Math.max(1, cores / Math.max(1, slots));
    }

    /**
     * Layers whose last-prompt-token attention over the image is kept by default (the report's Figure-1 view); layers a
     * model does not have are skipped, so a 4-layer model keeps 1-3 and a 32-layer one 1, 2, 3, 15 and 31.
     */
    static final List<Integer> DEFAULT_ATTENTION_LAYERS = List.of(1, 2, 3, 15, 31);

    /** The configurations evaluated when {@code --configs} is not given: baseline, VAR, the two ablations and a small rho sweep. */
    static final String DEFAULT_CONFIGS = "baseline,var,ablate_sinks,ablate_random,var[rho=0.2|0.8]";

    /** Seed of the embedded default's evaluation images (the bundled model was trained on other seeds). */
    static final long EMBEDDED_SEED = 20251;

    /** The project directory: {@code -Dsinkscope.home} (set by jobs/sinkscope), else the working directory. */
    static java.nio.file.Path home() {
        return java.nio.file.Path.of(System.getProperty("sinkscope.home", "."));
    }

    /** The session from --profile and --master (after every flag was read and checked). */
    static SparkSession session(Args a, String job) throws java.io.IOException {
        String profile = a.string("profile", "local");
        String master = a.string("master", null);
        String device = a.string("device", null);
        // --model-cache DIR: the local folder on every node that a --model URI (hdfs://, s3a://, ...) is copied into once
        String modelCache = a.string("model-cache", null);
        if (device != null) {
            sinkscope.model.Torch.parseDevice(device); // a bad name fails here, on the driver
        }
        a.requireAllUsed();
        SparkSession spark = Pipeline.session(profile, master, "sinkscope " + job);
        if (device != null) {
            // tasks without a GPU address (local mode) run on this device; a GPU that cannot be used stops the job at executor start
            spark.sparkContext().setLocalProperty(sinkscope.spark.DeviceAssignment.DEVICE_PROPERTY, device);
        }
        if (modelCache != null) {
            spark.sparkContext().setLocalProperty(sinkscope.spark.ModelCache.CACHE_PROPERTY, sinkscope.data.Storage.absolute(modelCache));
        }
        return spark;
    }

    /** {@code --synthetic-size WxH} (e.g. 336x224, for non-square image grids) or a side N; null when absent. */
    static int[] size(String v) {
        if (v == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(?:x(\\d+))?").matcher(v.trim());
        if (!m.matches()) {
            throw new Args.UsageException("--synthetic-size expects WxH or N, got '" + v + "'");
        }
        int w = Integer.parseInt(m.group(1));
        return new int[] {w, m.group(2) == null ? w : Integer.parseInt(m.group(2))};
    }
}
