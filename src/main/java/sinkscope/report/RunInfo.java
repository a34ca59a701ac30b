package sinkscope.report;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import sinkscope.data.Storage;
import sinkscope.spark.EvalConfig;
import sinkscope.spark.Pipeline;

/**
 * A pipeline run's parameters as the report shows them: input, model, runner and job settings, in a fixed
 * order. {@code pipeline} saves them as {@code run.properties} in the report folder so a later {@code report}
 * run over the same output root shows them too; a root written by the separate jobs has none.
 */
public record RunInfo(Map<String, String> parameters) {
    public static final String FILE = "run.properties";

    public RunInfo {
        parameters = new LinkedHashMap<>(parameters);
    }

    public static RunInfo none() {
        return new RunInfo(Map.of());
    }

    /** The settings of a pipeline run and its Spark master. */
    public static RunInfo of(Pipeline.Settings s, String master) {
        Map<String, String> p = new LinkedHashMap<>();
        put(p, "questions", s.questions() == null ? null : s.questions().toAbsolutePath().toString());
        put(p, "table", s.table());
        put(p, "images", s.images() == null ? null : Storage.path(s.images()).toAbsolutePath().toString());
        Path model = s.runner().modelDir() == null ? sinkscope.model.BundledModel.path() : Storage.path(s.runner().modelDir());
        put(p, "model", model.toAbsolutePath().toString());
        put(p, "model_source", s.runner().modelDir() == null ? "bundled with SinkScope (sinkscope/models/tiny-llava)" : "--model");
        put(p, "runner", s.runner().factoryClass());
        put(p, "dtype", s.runner().dtype());
        put(p, "threads", s.runner().threads() == 0 ? "all cores" : String.valueOf(s.runner().threads()));
        put(p, "template", s.runner().template());
        put(p, "sink_dims", s.runner().sinkDims().isEmpty() ? "(model's known dims)" : join(s.runner().sinkDims()));
        put(p, "sink_dims_from", s.sinkDimsFrom());
        put(p, "tau", tau(s.runner().tau(), model));
        put(p, "max_new_tokens", String.valueOf(s.runner().maxNewTokens()));
        put(p, "configs", s.configs().stream().map(EvalConfig::name).collect(Collectors.joining(", ")));
        put(p, "attention_layers", s.extract().attentionLayers().isEmpty() ? "(none)" : join(s.extract().attentionLayers()));
        put(p, "dim_floor", Double.isNaN(s.extract().dimFloor()) ? "tau" : String.valueOf(s.extract().dimFloor()));
        put(p, "summ", String.valueOf(s.extract().summ()));
        put(p, "rho", String.valueOf(s.extract().rho()));
        put(p, "top_k", String.valueOf(s.topK()));
        put(p, "bins", String.valueOf(s.bins()));
        put(p, "limit", s.limit() == 0 ? "all" : String.valueOf(s.limit()));
        put(p, "partitions", s.partitions() == 0 ? "default" : String.valueOf(s.partitions()));
        put(p, "batch_size", String.valueOf(s.batchSize()));
        put(p, "resume", String.valueOf(s.resume()));
        put(p, "benchmark", s.published().isEmpty() ? s.benchmarks().defaultBenchmark()
                : s.published().stream().map(in -> in.benchmark() + "=" + in.files().stream().map(f -> f.toAbsolutePath().toString())
                        .collect(Collectors.joining(",")) + (in.images() == null ? "" : "@" + in.images().toAbsolutePath()))
                        .collect(Collectors.joining(";")));
        put(p, "prompt_suffix", s.benchmarks().promptSuffix());
        put(p, "caption_max_new_tokens", String.valueOf(s.benchmarks().captionMaxNewTokens()));
        put(p, "judge_max_new_tokens", String.valueOf(s.benchmarks().judgeMaxNewTokens()));
        put(p, "all_rounds", String.valueOf(s.benchmarks().allRounds()));
        put(p, "synonyms", s.benchmarks().synonyms() == null ? null : s.benchmarks().synonyms().size() + " lines");
        put(p, "resamples", String.valueOf(s.benchmarks().resamples()));
        put(p, "seed", String.valueOf(s.benchmarks().seed()));
        put(p, "seed_policy", SEED_POLICY);
        put(p, "master", master);
        return new RunInfo(p);
    }

    /** How sampled decoding and VCD's noise draw: what {@code seed_policy} records. */
    public static final String SEED_POLICY = "per (sample, config): the first 8 bytes of SHA-256(seed \\0 question_id \\0 config) seed the"
            + " sampler (SplittableRandom), its complement VCD's noise; independent of batches, partitions and order, so a rerun or resume"
            + " draws the same tokens";

    /** The run record's file name, written beside the tables. */
    public static final String RECORD = "run.json";

    /** Image folders with at most this many files get their contents hashed, larger ones their listing (names and sizes). */
    static final int HASH_IMAGE_CONTENTS_UP_TO = 256;

    /**
     * The run record: what a re-run needs to reproduce the numbers and what tells two runs apart. {@code versions}
     * (SinkScope, DJL, PyTorch native, Spark, Java), {@code command} (the command and every flag as given: {@code
     * pipeline --from-run run.json} re-runs from it), {@code settings} (every flag and default in force, as
     * {@link #of}), {@code generation} (template name and text, greedy decoding, max_new_tokens, the prompt suffix per
     * benchmark of the input), {@code var} (tau, sink dims as resolved, head rule, layers, every config with its
     * parameters), {@code model} (its config.json and the SHA-256 of every file of the model folder) and {@code data}
     * (SHA-256 of the questions file; of the image folder's listing with sizes, and of its contents when it holds at
     * most {@link #HASH_IMAGE_CONTENTS_UP_TO} files).
     */
    public static com.google.gson.JsonObject record(Pipeline.Settings s, String master, String command, Map<String, String> flags,
                                                    String sparkVersion) throws IOException {
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        com.google.gson.JsonObject v = new com.google.gson.JsonObject();
        v.addProperty("sinkscope", sinkscopeVersion());
        v.addProperty("djl", ai.djl.engine.Engine.getDjlVersion());
        v.addProperty("pytorch_native", pytorchVersion());
        v.addProperty("spark", sparkVersion);
        v.addProperty("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        v.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        o.add("versions", v);
        com.google.gson.JsonObject cmd = new com.google.gson.JsonObject();
        cmd.addProperty("command", command);
        com.google.gson.JsonObject f = new com.google.gson.JsonObject();
        flags.forEach(f::addProperty);
        cmd.add("flags", f);
        o.add("command", cmd);
        com.google.gson.JsonObject settings = new com.google.gson.JsonObject();
        of(s, master).parameters().forEach(settings::addProperty);
        o.add("settings", settings);

        Path modelDir = s.runner().modelDir() == null ? sinkscope.model.BundledModel.path() : Storage.path(s.runner().modelDir());
        sinkscope.model.ModelConfig config = sinkscope.model.auto.Families.config(modelDir);
        com.google.gson.JsonObject gen = new com.google.gson.JsonObject();
        String template = s.runner().template();
        gen.addProperty("template", template);
        String resolved = "model".equals(template) ? config.defaultTemplate() : template;
        gen.addProperty("template_resolved", resolved);
        gen.addProperty("template_text", sinkscope.data.PromptTemplate.of(resolved, sinkscope.model.auto.Families.templates()).template());
        gen.addProperty("decoding", "greedy (argmax), stops at EOS");
        gen.addProperty("max_new_tokens", s.runner().maxNewTokens());
        gen.addProperty("caption_max_new_tokens", s.benchmarks().captionMaxNewTokens());
        gen.addProperty("judge_max_new_tokens", s.benchmarks().judgeMaxNewTokens());
        gen.addProperty("mmbench_all_rounds", s.benchmarks().allRounds());
        gen.addProperty("prompt_suffix", s.benchmarks().promptSuffix());
        com.google.gson.JsonObject suffixes = new com.google.gson.JsonObject();
        for (Map.Entry<String, String> b : benchmarks(s).entrySet()) {
            suffixes.addProperty(b.getKey(), sinkscope.benchmark.Benchmarks.of(b.getKey(), b.getValue()).suffix(s.benchmarks().promptSuffix()));
        }
        gen.add("suffix_by_benchmark", suffixes);
        com.google.gson.JsonObject prefixes = new com.google.gson.JsonObject();
        for (Map.Entry<String, String> b : benchmarks(s).entrySet()) {
            prefixes.addProperty(b.getKey(), sinkscope.benchmark.Benchmarks.of(b.getKey(), b.getValue()).prefix(s.benchmarks().promptSuffix()));
        }
        gen.add("prefix_by_benchmark", prefixes);
        // the registry's headline metrics, in preference order, for the notebooks (the first a benchmark has is its headline)
        com.google.gson.JsonObject headlines = new com.google.gson.JsonObject();
        for (Map.Entry<String, String> b : benchmarks(s).entrySet()) {
            com.google.gson.JsonArray h = new com.google.gson.JsonArray();
            sinkscope.benchmark.Benchmarks.of(b.getKey(), b.getValue()).headlines().forEach(h::add);
            headlines.add(b.getKey(), h);
        }
        gen.add("headlines_by_benchmark", headlines);
        o.add("generation", gen);

        com.google.gson.JsonObject var = new com.google.gson.JsonObject();
        int hidden = config.text().hiddenSize();
        double tau = !Double.isNaN(s.runner().tau()) && s.runner().tau() > 0 ? s.runner().tau()
                : sinkscope.sink.VarParams.tauForHiddenSize(sinkscope.sink.VarParams.PAPER_TAU_FRACTION, hidden);
        var.addProperty("tau", tau);
        var.addProperty("tau_source", !Double.isNaN(s.runner().tau()) && s.runner().tau() > 0 ? "--tau" : "0.3125 sqrt(" + hidden + ")");
        List<Integer> dims = s.runner().sinkDims();
        String dimsSource = "--sink-dims";
        if (dims.isEmpty() && s.sinkDimsFrom() != null) {
            dimsSource = "--sink-dims-from " + s.sinkDimsFrom() + " (sink_dimensions' recommended dims)";
        } else if (dims.isEmpty()) {
            dims = sinkscope.sink.KnownSinkDims.forModel(config.text().nameOrPath(), hidden).map(m -> java.util.Arrays.stream(m.dims()).boxed().toList())
                    .orElse(List.of());
            dimsSource = "conf/sink_dims.json for " + config.text().nameOrPath();
        }
        com.google.gson.JsonArray d = new com.google.gson.JsonArray();
        dims.forEach(d::add);
        var.add("sink_dims", d);
        var.addProperty("sink_dims_source", dimsSource);
        sinkscope.sink.VarParams base = sinkscope.sink.VarParams.official(new int[] {0});
        var.addProperty("head_rule", base.headRule().name().toLowerCase(java.util.Locale.ROOT));
        var.addProperty("sink_layers_from", base.sinkLayersFrom());
        var.addProperty("except_last_layer", base.exceptLastLayer());
        com.google.gson.JsonObject configs = new com.google.gson.JsonObject();
        for (EvalConfig c : s.configs()) {
            com.google.gson.JsonObject co = new com.google.gson.JsonObject();
            co.addProperty("kind", c.kind());
            co.addProperty("summary", c.intervention().summary());
            com.google.gson.JsonObject params = new com.google.gson.JsonObject();
            c.values().forEach((k, x) -> {
                sinkscope.intervention.Parameter param = sinkscope.intervention.Interventions.parameter(c.intervention(), k, c.name());
                if (param.choices().isEmpty()) {
                    params.addProperty(k, x);
                } else {
                    params.addProperty(k, param.text(x));
                }
            });
            co.add("parameters", params);
            com.google.gson.JsonArray given = new com.google.gson.JsonArray();
            c.parameters().keySet().forEach(given::add);
            co.add("given", given);
            com.google.gson.JsonObject defaults = new com.google.gson.JsonObject();
            sinkscope.intervention.Interventions.defaults(c.intervention()).forEach(defaults::addProperty);
            co.add("defaults", defaults);
            co.addProperty("extra_passes_per_token", c.intervention().extraPassesPerToken(c.settings()));
            configs.add(c.name(), co);
        }
        o.add("var", var);
        o.add("configs", configs);

        com.google.gson.JsonObject model = new com.google.gson.JsonObject();
        model.addProperty("directory", modelDir.toAbsolutePath().toString());
        model.addProperty("model_type", config.modelType());
        model.add("config", com.google.gson.JsonParser.parseString(Files.readString(modelDir.resolve("config.json"), StandardCharsets.UTF_8)));
        com.google.gson.JsonObject files = new com.google.gson.JsonObject();
        try (var list = Files.list(modelDir)) {
            for (Path p : list.filter(Files::isRegularFile).sorted().toList()) {
                files.addProperty(p.getFileName().toString(), sha256(p));
            }
        }
        model.add("sha256", files);
        o.add("model", model);

        com.google.gson.JsonObject data = new com.google.gson.JsonObject();
        if (s.questions() != null) {
            data.addProperty("questions", s.questions().toAbsolutePath().toString());
            data.addProperty("questions_sha256", sha256(s.questions()));
        }
        if (s.table() != null) {
            data.addProperty("table", s.table());
            data.addProperty("table_listing_sha256", listing(Storage.path(s.table()), data, "table", Integer.MAX_VALUE));
        }
        if (!s.published().isEmpty()) {
            // each benchmark's files with their digests (a folder: its listing) and its image folder's listing
            com.google.gson.JsonObject benchmarks = new com.google.gson.JsonObject();
            for (sinkscope.benchmark.PublishedBenchmark.Input in : s.published()) {
                com.google.gson.JsonObject b = new com.google.gson.JsonObject();
                com.google.gson.JsonArray list = new com.google.gson.JsonArray();
                for (Path af : in.files()) {
                    com.google.gson.JsonObject file = new com.google.gson.JsonObject();
                    file.addProperty("path", af.toAbsolutePath().toString());
                    if (Files.isDirectory(af)) {
                        file.addProperty("listing_sha256", listing(af, file, "folder", HASH_IMAGE_CONTENTS_UP_TO));
                    } else {
                        file.addProperty("sha256", sha256(af));
                        file.addProperty("bytes", Files.size(af));
                    }
                    list.add(file);
                }
                b.add("files", list);
                if (in.images() != null && Files.isDirectory(in.images())) {
                    b.addProperty("images", in.images().toAbsolutePath().toString());
                    b.addProperty("images_listing_sha256", listing(in.images(), b, "images", HASH_IMAGE_CONTENTS_UP_TO));
                }
                benchmarks.add(in.benchmark(), b);
            }
            data.add("benchmarks", benchmarks);
        } else if (s.images() != null && Files.isDirectory(Storage.path(s.images()))) {
            data.addProperty("images", Storage.path(s.images()).toAbsolutePath().toString());
            data.addProperty("images_listing_sha256", listing(Storage.path(s.images()), data, "images", HASH_IMAGE_CONTENTS_UP_TO));
        }
        data.addProperty("limit", s.limit());
        o.add("data", data);
        return o;
    }

    /** Writes {@link #record} as {@code file}, pretty-printed. */
    public static void writeRecord(com.google.gson.JsonObject record, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, new com.google.gson.GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(record) + "\n",
                StandardCharsets.UTF_8);
    }

    /** The command and flags of a run record, for {@code --from-run}; fails naming the file and the missing field. */
    public static Map<String, String> recordedFlags(Path runJson) throws IOException {
        com.google.gson.JsonObject o;
        try {
            o = com.google.gson.JsonParser.parseString(Files.readString(runJson, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(runJson + ": not a run record (" + e.getMessage() + ")");
        }
        if (!o.has("command") || !o.getAsJsonObject("command").has("flags")) {
            throw new IllegalArgumentException(runJson + ": no field command.flags (not a run record written by pipeline or evaluate)");
        }
        Map<String, String> flags = new LinkedHashMap<>();
        for (Map.Entry<String, com.google.gson.JsonElement> e : o.getAsJsonObject("command").getAsJsonObject("flags").entrySet()) {
            flags.put(e.getKey(), e.getValue().getAsString());
        }
        return flags;
    }

    /** Benchmark -> task of the input's questions (the default benchmark for a table). */
    private static Map<String, String> benchmarks(Pipeline.Settings s) throws IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        String def = s.benchmarks().defaultBenchmark();
        if (!s.published().isEmpty()) {
            s.published().forEach(in -> out.put(in.benchmark(), sinkscope.benchmark.Benchmarks.taskOf(in.benchmark())));
        } else if (s.questions() != null && Files.isRegularFile(s.questions())) {
            for (sinkscope.data.Question q : sinkscope.data.QuestionReader.read(s.questions()).questions()) {
                String b = q.benchmark() == null ? def : q.benchmark().toLowerCase(java.util.Locale.ROOT);
                String t = q.task() != null ? q.task() : sinkscope.benchmark.Benchmarks.taskOf(b);
                out.putIfAbsent(b, t);
            }
        } else {
            out.put(def, sinkscope.benchmark.Benchmarks.taskOf(def));
        }
        return out;
    }

    /** SHA-256 of the sorted "relative path\tsize" lines of the files under {@code dir}; adds the counts and, when few, a content hash. */
    private static String listing(Path dir, com.google.gson.JsonObject into, String name, int contentsUpTo) throws IOException {
        List<Path> files;
        try (var walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        java.security.MessageDigest list = digest();
        long bytes = 0;
        for (Path p : files) {
            long size = Files.size(p);
            bytes += size;
            list.update((dir.relativize(p).toString().replace('\\', '/') + "\t" + size + "\n").getBytes(StandardCharsets.UTF_8));
        }
        into.addProperty(name + "_files", files.size());
        into.addProperty(name + "_bytes", bytes);
        if (files.size() <= contentsUpTo) {
            java.security.MessageDigest content = digest();
            for (Path p : files) {
                content.update(Files.readAllBytes(p));
            }
            into.addProperty(name + "_contents_sha256", hex(content.digest()));
        }
        return hex(list.digest());
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) throws IOException {
        java.security.MessageDigest md = digest();
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return hex(md.digest());
    }

    private static java.security.MessageDigest digest() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }

    /** The jar's Maven version, or "unpackaged" when running from classes. */
    private static String sinkscopeVersion() {
        try (var in = RunInfo.class.getResourceAsStream("/META-INF/maven/io.sinkscope/sinkscope/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // fall through
        }
        String v = RunInfo.class.getPackage().getImplementationVersion();
        return v != null ? v : "unpackaged (classes)";
    }

    /** PyTorch native library version from the pytorch-native jar's Maven properties on the classpath, else unknown. */
    private static String pytorchVersion() {
        for (String artifact : new String[] {"pytorch-native-cpu", "pytorch-native-cu124", "pytorch-native-cu126", "pytorch-native-cu128"}) {
            try (var in = RunInfo.class.getResourceAsStream("/META-INF/maven/ai.djl.pytorch/" + artifact + "/pom.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    return artifact + " " + p.getProperty("version");
                }
            } catch (IOException e) {
                // next
            }
        }
        return "unknown";
    }

    /** The sink threshold as the runner resolves it: NaN or {@code <= 0} is {@code 0.3125 sqrt(hidden)}. */
    private static String tau(double tau, Path model) {
        if (!Double.isNaN(tau) && tau > 0) {
            return String.valueOf(tau);
        }
        try {
            int hidden = sinkscope.model.auto.Families.config(model).text().hiddenSize();
            double t = sinkscope.sink.VarParams.tauForHiddenSize(sinkscope.sink.VarParams.PAPER_TAU_FRACTION, hidden);
            return String.format(java.util.Locale.ROOT, "%.3f", t) + " (0.3125 sqrt(" + hidden + "))";
        } catch (RuntimeException e) {
            return "0.3125 sqrt(hidden)";
        }
    }

    public String get(String key) {
        return parameters.get(key);
    }

    /** Writes {@code dir/run.properties}, keys in order. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Properties props = new Properties();
        StringBuilder order = new StringBuilder();
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            props.setProperty(e.getKey(), e.getValue());
            order.append(order.length() == 0 ? "" : ",").append(e.getKey());
        }
        props.setProperty("_order", order.toString());
        try (Writer w = Files.newBufferedWriter(dir.resolve(FILE), StandardCharsets.UTF_8)) {
            props.store(w, "sinkscope pipeline run parameters");
        }
    }

    /** {@code dir/run.properties}, or {@link #none()} when there is none. */
    public static RunInfo load(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return none();
        }
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(r);
        }
        Map<String, String> p = new LinkedHashMap<>();
        for (String k : props.getProperty("_order", "").split(",")) {
            if (!k.isEmpty() && props.containsKey(k)) {
                p.put(k, props.getProperty(k));
            }
        }
        for (String k : props.stringPropertyNames()) {
            if (!k.equals("_order")) {
                p.putIfAbsent(k, props.getProperty(k));
            }
        }
        return new RunInfo(p);
    }

    private static void put(Map<String, String> p, String key, String value) {
        if (value != null) {
            p.put(key, value);
        }
    }

    private static String join(List<Integer> xs) {
        return xs.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
