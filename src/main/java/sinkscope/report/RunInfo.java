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
        put(p, "images", s.images() == null ? null : Path.of(s.images()).toAbsolutePath().toString());
        Path model = s.runner().modelDir() == null ? sinkscope.model.BundledModel.path() : Path.of(s.runner().modelDir());
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
        put(p, "resume", String.valueOf(s.resume()));
        put(p, "master", master);
        return new RunInfo(p);
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
