package sinkscope.cli;

import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sinkscope.benchmark.PublishedBenchmark;
import sinkscope.spark.BenchmarkOptions;
import sinkscope.spark.EvalConfig;
import sinkscope.spark.ExtractOptions;
import sinkscope.spark.Pipeline;
import sinkscope.spark.RunnerSpec;
import sinkscope.spark.SampleSource;

/**
 * The flags the Spark commands share, a picocli mixin: every one of extract, sinkstats, evaluate and pipeline accepts
 * all of them, so one command line works for each. Adding a flag is one {@code @Option} field here and its use in
 * {@link #settings}. {@code --benchmark} with {@code --annotations}, or as {@code NAME=FILES[@IMAGES]} pairs, reads
 * benchmarks in their published layouts ({@link #published}) instead of a question file. Without {@code --questions},
 * {@code --table} and published benchmarks the input is the embedded default: a held-out synthetic POPE set of
 * {@code --synthetic-images} images generated once under {@code runs/}; {@code --out} defaults to {@code runs/latest}.
 * Without {@code --tau} the sink threshold is size-relative, {@code 0.3125 sqrt(hidden)} (the paper's 20 at hidden
 * 4096); without {@code --dim-floor} the floor of the dims table is {@code tau} (it counts massive activations).
 */
public final class SparkFlags {

    // ---- input ------------------------------------------------------------------------------------------------
    @Option(names = "--questions", paramLabel = "FILE", order = 10,
            description = "LLaVA/POPE question file (JSONL: question_id, image, text, label, category). Default: the embedded synthetic set")
    String questions;
    @Option(names = "--table", paramLabel = "DIR", order = 11, description = "Parquet table of samples with image bytes or paths, instead of --questions")
    String table;
    @Option(names = "--id-col", paramLabel = "NAME", order = 12, defaultValue = "question_id", description = "--table's id column (default: ${DEFAULT-VALUE})")
    String idCol;
    @Option(names = "--image-col", paramLabel = "NAME", order = 13, defaultValue = "image", description = "--table's image column, bytes or path (default: ${DEFAULT-VALUE})")
    String imageCol;
    @Option(names = "--question-col", paramLabel = "NAME", order = 14, defaultValue = "text", description = "--table's question column (default: ${DEFAULT-VALUE})")
    String questionCol;
    @Option(names = "--label-col", paramLabel = "NAME", order = 15, defaultValue = "label", description = "--table's label column (default: ${DEFAULT-VALUE})")
    String labelCol;
    @Option(names = "--category-col", paramLabel = "NAME", order = 16, defaultValue = "category", description = "--table's category column (default: ${DEFAULT-VALUE})")
    String categoryCol;
    @Option(names = "--images", paramLabel = "DIR", order = 17, description = "folder (or URI) the questions' image paths are relative to")
    String images;
    @Option(names = "--benchmark", paramLabel = "SPEC", order = 18,
            description = {"benchmark of the questions (default: pope); with --annotations, a benchmark in its published layout: NAME --annotations FILE[,FILE];",
                "or several: 'NAME=FILE[,FILE][@IMAGES];NAME=...' (the names and layouts: docs/benchmarks.md)"})
    String benchmark;
    @Option(names = "--annotations", paramLabel = "FILE[,FILE]", order = 19, description = "the published files of --benchmark NAME (images in --images)")
    String annotations;
    @Option(names = "--limit", paramLabel = "INT", order = 20, defaultValue = "0", description = "read at most this many samples, 0 = all (default: ${DEFAULT-VALUE})")
    int limit;
    @Option(names = "--synthetic-images", paramLabel = "INT", order = 21, defaultValue = "24",
            description = "images of the embedded synthetic evaluation set (default: ${DEFAULT-VALUE})")
    int syntheticImages;
    @Option(names = "--synthetic-size", paramLabel = "WxH", order = 22, description = "image size of the embedded set, WxH or N (default: 224)")
    String syntheticSize;

    // ---- model ------------------------------------------------------------------------------------------------
    @Option(names = "--model", paramLabel = "DIR", order = 30, description = "model folder or URI, copied once per node (default: the bundled tiny LLaVA)")
    String model;
    @Option(names = "--vision-tower", paramLabel = "DIR", order = 31, description = "CLIP folder of an original-layout LLaVA checkpoint (default: its mm_vision_tower)")
    java.nio.file.Path visionTower;
    @Option(names = "--runner", paramLabel = "CLASS", order = 32, defaultValue = RunnerSpec.DEFAULT_FACTORY,
            description = "SampleRunnerFactory class that builds the model runner (default: ${DEFAULT-VALUE})")
    String runner;
    @Option(names = "--dtype", paramLabel = "NAME", order = 33, defaultValue = "auto", description = "auto (fp32 on CPU, fp16 on GPU), fp32 or fp16 (default: ${DEFAULT-VALUE})")
    String dtype;
    @Option(names = "--threads", paramLabel = "INT", order = 34,
            description = "libtorch intra-op threads per task (default: local[k]: cores / k; on a cluster 0 = all the task's cores)")
    Integer threads;
    @Option(names = "--device", paramLabel = "cpu|cuda:N", order = 35, description = "device of tasks without a GPU address (default: the task's GPU, else cpu)")
    String device;
    @Option(names = "--template", paramLabel = "NAME", order = 36, defaultValue = "model",
            description = "prompt template: model (the checkpoint's), a family's template name (llava_hf, vicuna_v1, qwen2_vl, ...: docs/families.md) or a template with {question} (default: ${DEFAULT-VALUE})")
    String template;
    @Option(names = "--prompt-suffix", paramLabel = "MODE", order = 37, defaultValue = "auto",
            description = "benchmark prompt suffixes: auto (by model_type), llava, qwen2_vl or none (default: ${DEFAULT-VALUE})")
    String promptSuffix;
    @Option(names = "--max-new-tokens", paramLabel = "INT", order = 38, defaultValue = "8", description = "greedy answer length limit (default: ${DEFAULT-VALUE})")
    int maxNewTokens;
    @Option(names = "--caption-max-new-tokens", paramLabel = "INT", order = 39, defaultValue = "" + BenchmarkOptions.DEFAULT_CAPTION_TOKENS,
            description = "length limit of caption answers (CHAIR) (default: ${DEFAULT-VALUE})")
    int captionMaxNewTokens;
    @Option(names = "--judge-max-new-tokens", paramLabel = "INT", order = 40, defaultValue = "" + BenchmarkOptions.DEFAULT_JUDGE_TOKENS,
            description = "length limit of judge-scored answers (MM-Vet, LLaVA-Bench) (default: ${DEFAULT-VALUE})")
    int judgeMaxNewTokens;
    @Option(names = "--batch-size", paramLabel = "INT", order = 41, defaultValue = "1", description = "evaluate's samples per batched generation (default: ${DEFAULT-VALUE})")
    int batchSize;

    // ---- sinks and VAR ------------------------------------------------------------------------------------------
    @Option(names = "--sink-dims", paramLabel = "INT", order = 50, split = ",",
            description = "sink dimensions D_sink (default: the known dims of the model's LLM, conf/sink_dims.json)")
    List<Integer> sinkDims;
    @Option(names = "--sink-dims-from", paramLabel = "DIR", order = 51, description = "take D_sink from a previous run's sink_dimensions table under this output root")
    String sinkDimsFrom;
    @Option(names = "--tau", paramLabel = "NUM", order = 52, description = "sink threshold: phi > tau (default: 0.3125 sqrt(hidden), the paper's 20 at hidden 4096)")
    Double tau;
    @Option(names = "--dim-floor", paramLabel = "NUM", order = 53, description = "smallest |x_d|/RMS the dims table counts (default: tau)")
    Double dimFloor;
    @Option(names = "--attention-layers", paramLabel = "INT", order = 54, split = ",",
            description = "layers whose attention over the image is kept (default: 1,2,3,15,31, those the model has)")
    List<Integer> attentionLayers;
    @Option(names = "--top-k", paramLabel = "INT", order = 55, defaultValue = "2", description = "sink dimensions sinkstats recommends (default: ${DEFAULT-VALUE})")
    int topK;
    @Option(names = "--bins", paramLabel = "INT", order = 56, defaultValue = "16", description = "histogram bins of the sink statistics (default: ${DEFAULT-VALUE})")
    int bins;
    @Option(names = "--configs", paramLabel = "LIST", order = 57, defaultValue = SparkFlags.DEFAULT_CONFIGS,
            description = "evaluation configs, e.g. baseline,var,ablate_sinks,ablate_random,var[rho=0.2|0.8] (default: ${DEFAULT-VALUE})")
    String configs;

    // ---- scoring ------------------------------------------------------------------------------------------------
    @Option(names = "--all-rounds", paramLabel = "BOOL", order = 60, arity = "0..1", defaultValue = "false",
            description = "MMBench: ask each question once per option rotation (circular evaluation) (default: ${DEFAULT-VALUE})")
    boolean allRounds;
    @Option(names = "--synonyms", paramLabel = "FILE", order = 61, description = "CHAIR's synonyms file (one line per object: name, synonym, ...)")
    String synonyms;
    @Option(names = "--resamples", paramLabel = "INT", order = 62, defaultValue = "" + BenchmarkOptions.DEFAULT_RESAMPLES,
            description = "bootstrap resamples of the significance intervals (default: ${DEFAULT-VALUE})")
    int resamples;
    @Option(names = "--seed", paramLabel = "INT", order = 63, defaultValue = "0", description = "seed of the bootstrap, of sampled decoding and VCD's noise (per sample and config, from this seed) (default: ${DEFAULT-VALUE})")
    int seed;

    // ---- output and Spark ---------------------------------------------------------------------------------------
    @Option(names = "--out", paramLabel = "DIR", order = 70, description = "output root (folder or URI) of the Parquet tables (default: runs/latest)")
    String out;
    @Option(names = "--resume", paramLabel = "BOOL", order = 71, arity = "0..1", defaultValue = "false",
            description = "skip samples already under --out (default: ${DEFAULT-VALUE})")
    boolean resume;
    @Option(names = "--partitions", paramLabel = "INT", order = 72, defaultValue = "0", description = "input partitions, 0 = Spark's default parallelism (default: ${DEFAULT-VALUE})")
    int partitions;
    @Option(names = "--profile", paramLabel = "NAME|FILE", order = 73, defaultValue = "local",
            description = "Spark settings: local, gpu-cluster (conf/<name>.properties) or a file (default: ${DEFAULT-VALUE})")
    String profile;
    @Option(names = "--master", paramLabel = "URL", order = 74, description = "Spark master, e.g. local[2] (default: the profile's, else local[*])")
    String master;
    @Option(names = "--model-cache", paramLabel = "DIR", order = 75,
            description = "local folder on every node that a --model URI (hdfs://, s3a://, ...) is copied into once (default: sinkscope-models under spark.local.dir, else java.io.tmpdir)")
    String modelCache;
    @Option(names = "--max-error-fraction", paramLabel = "NUM", order = 76, defaultValue = "" + sinkscope.spark.ErrorBudget.DEFAULT,
            description = "a stage whose error rows pass this fraction of its inputs stops the run with exit 1; a stage where every input failed always does (default: ${DEFAULT-VALUE})")
    double maxErrorFraction;
    @Option(names = "--tokens-keep", paramLabel = "MODE", order = 77, defaultValue = "all",
            description = "rows the tokens table keeps: all, image, sinks, layers=a,b or sample=N@SEED (default: ${DEFAULT-VALUE})")
    String tokensKeep;

    /** The sink dimensions given, or null. */
    private int[] sinkDims() {
        return sinkDims == null ? null : sinkDims.stream().mapToInt(Integer::intValue).toArray();
    }

    /** These flags parsed from {@code argv} alone (tests, and the flags of a recorded run). */
    public static SparkFlags parse(String... argv) {
        Holder h = new Holder();
        new CommandLine(h).parseArgs(argv);
        return h.flags;
    }

    @Command(name = "spark-flags")
    static final class Holder {
        @Mixin
        SparkFlags flags;
    }

    /**
     * The prompt-suffix mode {@code auto} means for the model folder (the bundled model when null): its family's
     * ({@link sinkscope.model.ModelConfig#promptSuffixMode}); LLaVA's when the config cannot be read.
     */
    private static String suffixModeOf(String modelDir) {
        java.nio.file.Path dir = modelDir == null ? sinkscope.model.BundledModel.path() : sinkscope.data.Storage.path(modelDir);
        try {
            return sinkscope.model.auto.Families.config(dir).promptSuffixMode();
        } catch (RuntimeException e) {
            return BenchmarkOptions.DEFAULT_SUFFIX; // loading the model reports what is wrong with it
        }
    }

    /**
     * Each config's model-dependent checks ({@link sinkscope.intervention.Intervention#check}: a layer range outside
     * the model) against the model's depth, before any sample runs; a model this driver cannot read is checked by its
     * executors instead.
     */
    private static void checkConfigs(List<EvalConfig> configs, String modelDir) {
        int layers;
        try {
            java.nio.file.Path dir = modelDir == null ? sinkscope.model.BundledModel.path() : sinkscope.data.Storage.path(modelDir);
            layers = sinkscope.model.auto.Families.config(dir).text().numHiddenLayers();
        } catch (RuntimeException e) {
            return; // loading the model reports what is wrong with it
        }
        for (EvalConfig c : configs) {
            try {
                sinkscope.intervention.Settings s = c.settings();
                s.intervention().check(s, layers);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--configs: " + e.getMessage());
            }
        }
    }

    /** {@code --max-error-fraction}: the error budget of each stage ({@link sinkscope.spark.ErrorBudget}). */
    public sinkscope.spark.ErrorBudget errorBudget() {
        return new sinkscope.spark.ErrorBudget(maxErrorFraction);
    }

    /** The job settings these flags give; {@code needsInput}: an input is needed (without one, the embedded default). */
    public Pipeline.Settings settings(boolean needsInput) {
        if (questions != null && table != null) {
            throw new UsageException("give one of --questions FILE.jsonl and --table PARQUET_DIR, not both");
        }
        String imageRoot = images;
        String questionFile = questions;
        List<PublishedBenchmark.Input> published = published();
        if (!published.isEmpty()) {
            if (questions != null || table != null) {
                throw new UsageException("give the benchmarks in their published layouts (--benchmark NAME=FILES or --annotations) "
                        + "or --questions/--table, not both");
            }
            java.nio.file.Path root = SampleSource.imageRoot(published);
            imageRoot = root == null ? null : root.toString();
        }
        int[] size = size(syntheticSize);
        if (needsInput && questions == null && table == null && published.isEmpty()) {
            // the embedded default: a held-out synthetic POPE set, generated once under runs/
            String suffix = size == null ? "" : "-" + size[0] + "x" + size[1];
            java.nio.file.Path dir = home().resolve("runs").resolve("synthetic-pope-eval-" + syntheticImages + suffix);
            try {
                if (size == null) {
                    sinkscope.data.SyntheticBenchmark.ensureEvalSet(dir, syntheticImages, EMBEDDED_SEED);
                } else {
                    sinkscope.data.SyntheticBenchmark.ensureEvalSet(dir, syntheticImages, EMBEDDED_SEED, size[0], size[1]);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write the synthetic evaluation set to " + dir, e);
            }
            questionFile = dir.resolve("eval").resolve("benchmarks.jsonl").toString();
            if (imageRoot == null) {
                imageRoot = dir.resolve("images").toString();
            }
        }
        SampleSource.Columns columns = new SampleSource.Columns(idCol, imageCol, questionCol, labelCol, categoryCol);
        ModelFlags.visionTower(visionTower);
        int[] dims = sinkDims();
        RunnerSpec runnerSpec = new RunnerSpec(runner, sinkscope.data.Storage.absolute(model), dtype, threads != null ? threads : defaultThreads(master),
                dims == null ? List.of() : java.util.Arrays.stream(dims).boxed().toList(), tau == null ? Double.NaN : tau, template, maxNewTokens, seed);
        ExtractOptions defaults = ExtractOptions.defaults();
        ExtractOptions extract = new ExtractOptions(attentionLayers == null ? DEFAULT_ATTENTION_LAYERS : List.copyOf(attentionLayers),
                dimFloor == null ? Double.NaN : dimFloor, defaults.summ(), defaults.rho(), sinkscope.spark.TokensKeep.parse(tokensKeep));
        List<EvalConfig> evalConfigs = EvalConfig.parseList(configs);
        checkConfigs(evalConfigs, runnerSpec.modelDir());
        List<String> synonymLines = null;
        if (synonyms != null) {
            try {
                synonymLines = java.nio.file.Files.readAllLines(sinkscope.data.Storage.path(synonyms), java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new UsageException("--synonyms " + synonyms + ": cannot read: " + e.getMessage());
            }
        }
        String defaultBenchmark = published.isEmpty() ? (benchmark == null ? BenchmarkOptions.DEFAULT_BENCHMARK : benchmark) : published.get(0).benchmark();
        String suffixMode = promptSuffix.equals("auto") ? suffixModeOf(runnerSpec.modelDir()) : promptSuffix;
        BenchmarkOptions benchmarks = new BenchmarkOptions(defaultBenchmark.toLowerCase(Locale.ROOT), suffixMode, captionMaxNewTokens,
                judgeMaxNewTokens, allRounds, synonymLines, resamples, seed);
        // every location made absolute here, at the driver: executors run in other working directories
        return new Pipeline.Settings(questionFile == null ? null : sinkscope.data.Storage.path(sinkscope.data.Storage.absolute(questionFile)),
                sinkscope.data.Storage.absolute(table), columns, sinkscope.data.Storage.absolute(imageRoot),
                sinkscope.data.Storage.absolute(out != null ? out : home().resolve("runs").resolve("latest").toString()), resume, limit, partitions,
                runnerSpec, extract, evalConfigs, sinkscope.data.Storage.absolute(sinkDimsFrom), topK, bins, benchmarks, published, batchSize);
    }

    /**
     * The benchmarks given in their published layouts: {@code --benchmark NAME --annotations FILE[,FILE]} (images in
     * {@code --images DIR}), or {@code --benchmark 'NAME=FILE[,FILE][@IMAGES];NAME=...'} for several; empty when
     * {@code --benchmark} is only the default benchmark's name.
     */
    List<PublishedBenchmark.Input> published() {
        try {
            if (benchmark != null && benchmark.contains("=")) {
                if (annotations != null || images != null) {
                    throw new UsageException("--benchmark NAME=FILES[@IMAGES] names each benchmark's files and images; "
                            + "drop --annotations and --images");
                }
                List<PublishedBenchmark.Input> inputs = new java.util.ArrayList<>();
                java.util.Set<String> names = new java.util.HashSet<>();
                for (String spec : benchmark.split(";")) {
                    if (!spec.isBlank()) {
                        PublishedBenchmark.Input in = PublishedBenchmark.Input.parse(spec.trim());
                        if (!names.add(in.benchmark())) {
                            throw new UsageException("--benchmark names " + in.benchmark() + " twice");
                        }
                        inputs.add(in);
                    }
                }
                return inputs;
            }
            if (annotations == null) {
                return List.of();
            }
            if (benchmark == null) {
                throw new UsageException("--annotations needs --benchmark NAME (one of " + sinkscope.benchmark.Benchmarks.publishedNames() + ")");
            }
            return List.of(new PublishedBenchmark.Input(benchmark, PublishedBenchmark.Input.files(annotations),
                    images == null ? null : sinkscope.data.Storage.path(sinkscope.data.Storage.absolute(images))));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--benchmark: " + e.getMessage());
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

    /** The session from --profile and --master; --device is checked on the driver first. */
    public SparkSession session(String job) throws java.io.IOException {
        if (device != null) {
            sinkscope.model.Torch.parseDevice(device); // a bad name fails here, on the driver
        }
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
        return size("--synthetic-size", v);
    }

    /** A {@code WxH} or {@code N} size given as {@code flag}; null when absent. */
    static int[] size(String flag, String v) {
        if (v == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(?:x(\\d+))?").matcher(v.trim());
        if (!m.matches()) {
            throw new UsageException(flag + " expects WxH or N, got '" + v + "'");
        }
        int w = Integer.parseInt(m.group(1));
        return new int[] {w, m.group(2) == null ? w : Integer.parseInt(m.group(2))};
    }
}
