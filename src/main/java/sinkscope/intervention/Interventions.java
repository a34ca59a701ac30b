package sinkscope.intervention;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import sinkscope.sink.ConfFiles;

/**
 * The registry: every intervention a config may name, in the order reports list them, and their defaults.
 *
 * <p>Defaults come from {@code conf/interventions/<name>.json} (found as {@link ConfFiles#resolve} finds conf files):
 * <pre>{"_comment": "...", "reference_layers": 32, "defaults": {"alpha": 0.2, "start": 2, "end": 32, "decoding": "greedy"}}</pre>
 * Every parameter without an {@link Parameter#absent} meaning must have a default there, every default must name a
 * parameter and lie in its range; {@code reference_layers} (default 32) is the depth the layer defaults are given for.
 * A method without parameters needs no file. Errors name the file and the field.
 */
public final class Interventions {
    private Interventions() {}

    /** Every registered intervention: adding a method is one class and one entry here. */
    public static final List<Intervention> ALL = List.of(
            new Baseline(),
            new Var(),
            Ablation.SINKS,
            Ablation.RANDOM,
            new Pai(),
            new Vcd(),
            new Vaf(),
            new Opera());

    /** The baseline's name: the config every other is compared with. */
    public static final String BASELINE = "baseline";

    /** The intervention compared with every other beside the baseline. */
    public static final String REFERENCE = "var";

    record Defaults(Map<String, Double> values, int referenceLayers) {}

    private static final Map<String, Defaults> DEFAULTS = new ConcurrentHashMap<>();

    /** The names of {@link #ALL}. */
    public static List<String> names() {
        return ALL.stream().map(Intervention::name).toList();
    }

    /** The intervention named {@code name}; an unknown name fails listing the known ones. */
    public static Intervention get(String name) {
        for (Intervention i : ALL) {
            if (i.name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown intervention '" + name + "'; known: " + String.join(", ", names()));
    }

    /**
     * The registered intervention whose name is the longest prefix of config name {@code config} followed by the end or
     * {@code _} ({@code ablate_sinks_x} is ablate_sinks, not a parameter of ablate), or null.
     */
    public static Intervention prefixOf(String config) {
        Intervention best = null;
        for (Intervention i : ALL) {
            String n = i.name();
            if ((config.equals(n) || config.startsWith(n + "_")) && (best == null || n.length() > best.name().length())) {
                best = i;
            }
        }
        return best;
    }

    /** A parameter of {@code i} by name; an unknown one fails naming {@code where} and listing the known ones. */
    public static Parameter parameter(Intervention i, String name, String where) {
        for (Parameter p : i.parameters()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException(where + ": unknown " + i.name() + " parameter '" + name + "'; known: "
                + (i.parameters().isEmpty() ? "none (" + i.name() + " takes no parameters)" : i.parameters().stream().map(Parameter::name).collect(Collectors.joining(", "))));
    }

    /** The settings of config {@code config}: {@code given} checked against {@code i}'s parameters, over its defaults. */
    public static Settings settings(Intervention i, String config, Map<String, Double> given) {
        for (Map.Entry<String, Double> e : given.entrySet()) {
            parameter(i, e.getKey(), "config '" + config + "'").check("config '" + config + "'", e.getValue());
        }
        Defaults d = defaults0(i);
        return new Settings(i, config, given, d.values(), d.referenceLayers());
    }

    /** The defaults of {@code i} (read once per JVM). */
    public static Map<String, Double> defaults(Intervention i) {
        return defaults0(i).values();
    }

    private static Defaults defaults0(Intervention i) {
        return DEFAULTS.computeIfAbsent(i.name(), n -> read(i, ConfFiles.resolve("interventions/" + n + ".json")));
    }

    /** Reads and checks one defaults file for {@code i}. */
    static Defaults read(Intervention i, Path file) {
        if (i.parameters().isEmpty() && !Files.isRegularFile(file)) {
            return new Defaults(Map.of(), 32);
        }
        JsonObject root = ConfFiles.read(file);
        int reference = 32;
        JsonElement ref = root.get("reference_layers");
        if (ref != null) {
            if (!ref.isJsonPrimitive() || !ref.getAsJsonPrimitive().isNumber() || ref.getAsDouble() < 1 || ref.getAsDouble() != Math.rint(ref.getAsDouble())) {
                throw new IllegalArgumentException(file + ": reference_layers must be a positive integer, got " + ref);
            }
            reference = ref.getAsInt();
        }
        JsonElement d = root.get("defaults");
        if (d == null || !d.isJsonObject()) {
            throw new IllegalArgumentException(file + ": defaults must be an object of " + i.name() + "'s parameters");
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : d.getAsJsonObject().entrySet()) {
            String where = file + ": defaults." + e.getKey();
            Parameter p = parameter(i, e.getKey(), file.toString());
            double v;
            if (!p.choices().isEmpty() && e.getValue().isJsonPrimitive() && e.getValue().getAsJsonPrimitive().isString()) {
                v = p.value(file + ": defaults", e.getValue().getAsString());
            } else if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isNumber()) {
                throw new IllegalArgumentException(where + " must be " + (p.choices().isEmpty() ? "a number" : p.range()) + ", got " + e.getValue());
            } else {
                v = e.getValue().getAsDouble();
            }
            p.check(file + ": defaults", v);
            values.put(p.name(), v);
        }
        for (Parameter p : i.parameters()) {
            if (p.absent() == null && !values.containsKey(p.name())) {
                throw new IllegalArgumentException(file + ": defaults." + p.name() + " is missing (" + p.description() + ")");
            }
        }
        return new Defaults(values, reference);
    }
}
