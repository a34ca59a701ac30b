package sinkscope.spark;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import sinkscope.intervention.Intervention;
import sinkscope.intervention.Interventions;
import sinkscope.intervention.Parameter;
import sinkscope.intervention.Settings;

/**
 * One evaluation configuration, named as it appears in the {@code config} column: a registered intervention's name
 * ({@link Interventions#names()}: {@code baseline}, {@code var}, {@code ablate_sinks}, {@code ablate_random},
 * {@code pai}, {@code vaf}, ...), optionally with parameters appended as {@code _<key><number>} (e.g.
 * {@code var_rho0.8}, {@code var_p0.3_rho0.8}, {@code pai_alpha0.5}, {@code vaf_enh1.3_start8}).
 *
 * @param kind the intervention's name
 * @param parameters the values the name gives; every other parameter takes the default of the intervention's
 *     {@code conf/interventions/<name>.json} ({@link #values()}, {@link #settings()})
 *
 * <p>A sweep ({@link #expand}) names a grid of configurations of one intervention, over any of its parameters:
 * {@code var[rho=0.5:0.9:0.1,p=0.6]} is {@code var_rho0.5_p0.6}, {@code var_rho0.6_p0.6}, ..., {@code var_rho0.9_p0.6};
 * {@code pai[alpha=0.2|0.5,first=0|1]} four PAI configs: each key takes a value, an inclusive range
 * {@code start:stop:step} or a list {@code a|b|c}; the grid is every combination, the first key varying slowest. A
 * choice parameter takes words: {@code vcd_decodinggreedy}, {@code vcd[decoding=sample|greedy]}.
 * Unknown names, unknown keys and values outside a parameter's range fail naming the config and the parameter.
 */
public record EvalConfig(String name, String kind, Map<String, Double> parameters) implements Serializable {

    public EvalConfig {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** Parses one configuration name; an unknown intervention lists the known ones, a bad suffix names the offending text. */
    public static EvalConfig parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        Intervention intervention = Interventions.prefixOf(n);
        if (intervention == null) {
            throw new IllegalArgumentException("unknown evaluation config '" + name + "'; known interventions: "
                    + String.join(", ", Interventions.names()) + " (parameters as suffixes, e.g. var_rho0.8, pai_alpha0.5)");
        }
        String where = "evaluation config '" + name + "'";
        Map<String, Double> params = new LinkedHashMap<>();
        String rest = n.substring(intervention.name().length());
        for (String part : rest.split("_")) {
            if (part.isEmpty()) {
                continue;
            }
            Parameter choice = choice(intervention, part);
            if (choice != null) {
                params.put(choice.name(), choice.value(where, part.substring(choice.name().length())));
                continue;
            }
            int i = 0;
            while (i < part.length() && Character.isLetter(part.charAt(i))) {
                i++;
            }
            if (i == 0 || i == part.length()) {
                throw new IllegalArgumentException(where + ": expected _<key><number>, got '_" + part + "'");
            }
            String key = part.substring(0, i);
            Interventions.parameter(intervention, key, where);
            double v;
            try {
                v = Double.parseDouble(part.substring(i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": '" + part.substring(i) + "' is not a number");
            }
            params.put(key, v);
        }
        Interventions.settings(intervention, n, params); // range checks
        return new EvalConfig(n, intervention.name(), params);
    }

    /** The choice parameter of {@code i} whose name starts {@code part} followed by a letter ({@code decodinggreedy}), or null. */
    private static Parameter choice(Intervention i, String part) {
        for (Parameter p : i.parameters()) {
            if (!p.choices().isEmpty() && part.startsWith(p.name()) && part.length() > p.name().length() && Character.isLetter(part.charAt(p.name().length()))) {
                return p;
            }
        }
        return null;
    }

    /** The registered intervention this configuration runs. */
    public Intervention intervention() {
        return Interventions.get(kind);
    }

    /** The parameter values: the name's over the conf file's defaults. */
    public Settings settings() {
        return Interventions.settings(intervention(), name, parameters);
    }

    /** Every parameter that has a value (the name's, else the default), in the intervention's order. */
    public Map<String, Double> values() {
        Settings s = settings();
        Map<String, Double> out = new LinkedHashMap<>();
        for (Parameter p : intervention().parameters()) {
            if (s.has(p.name())) {
                out.put(p.name(), s.value(p.name()));
            }
        }
        return out;
    }

    /** A parameter of this configuration, or {@code fallback} when absent. */
    public double parameter(String key, double fallback) {
        Double v = values().get(key);
        return v == null ? fallback : v;
    }

    /**
     * The configurations of a {@code --configs} list: names separated by commas (commas inside a sweep's brackets
     * belong to it), each a configuration name or a sweep ({@link #expand}); duplicates (after expansion) are dropped.
     */
    public static List<EvalConfig> parseList(String list) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char ch : list.toCharArray()) {
            if (ch == '[') {
                depth++;
            } else if (ch == ']') {
                depth--;
            }
            if (ch == ',' && depth == 0) {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        parts.add(cur.toString());
        if (depth != 0) {
            throw new IllegalArgumentException("--configs '" + list + "': unbalanced [ ]");
        }
        Map<String, EvalConfig> out = new LinkedHashMap<>();
        for (String p : parts) {
            if (!p.isBlank()) {
                for (EvalConfig c : expand(p)) {
                    out.putIfAbsent(c.name(), c);
                }
            }
        }
        return List.copyOf(out.values());
    }

    /** A sweep {@code var[key=spec,...]} as its grid of configurations, or a plain name as itself; see the class comment. */
    public static List<EvalConfig> expand(String spec) {
        String s = spec.trim();
        int open = s.indexOf('[');
        if (open < 0) {
            return List.of(parse(s));
        }
        if (!s.endsWith("]")) {
            throw new IllegalArgumentException("sweep '" + spec + "': expected kind[key=values,...]");
        }
        String kind = s.substring(0, open).trim().toLowerCase(Locale.ROOT);
        Intervention intervention = Interventions.get(kind);
        if (intervention.parameters().isEmpty()) {
            throw new IllegalArgumentException("sweep '" + spec + "': " + kind + " takes no parameters");
        }
        List<String> keys = new ArrayList<>();
        List<List<String>> values = new ArrayList<>();
        for (String item : s.substring(open + 1, s.length() - 1).split(",")) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("sweep '" + spec + "': expected key=values, got '" + item.trim() + "'");
            }
            String key = item.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            Parameter p = Interventions.parameter(intervention, key, "sweep '" + spec + "'");
            if (keys.contains(key)) {
                throw new IllegalArgumentException("sweep '" + spec + "': parameter '" + key + "' given twice");
            }
            keys.add(key);
            if (p.choices().isEmpty()) {
                values.add(values(spec, key, item.substring(eq + 1).trim()));
            } else { // words, checked by parse
                values.add(java.util.Arrays.stream(item.substring(eq + 1).split("\\|")).map(String::trim).toList());
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("sweep '" + spec + "': no parameters");
        }
        List<EvalConfig> out = new ArrayList<>();
        grid(intervention.name(), keys, values, 0, "", out);
        return out;
    }

    private static void grid(String prefix, List<String> keys, List<List<String>> values, int k, String name, List<EvalConfig> out) {
        if (k == keys.size()) {
            out.add(parse(prefix + name));
            return;
        }
        for (String v : values.get(k)) {
            grid(prefix, keys, values, k + 1, name + "_" + keys.get(k) + v, out);
        }
    }

    /** {@code a}, {@code a|b|c} or the inclusive range {@code start:stop:step}, exactly in decimal, as minimal strings. */
    private static List<String> values(String spec, String key, String v) {
        List<String> out = new ArrayList<>();
        try {
            if (v.contains(":")) {
                String[] r = v.split(":", -1);
                if (r.length != 3) {
                    throw new IllegalArgumentException("sweep '" + spec + "': " + key + " range must be start:stop:step, got '" + v + "'");
                }
                BigDecimal start = new BigDecimal(r[0].trim());
                BigDecimal stop = new BigDecimal(r[1].trim());
                BigDecimal step = new BigDecimal(r[2].trim());
                if (step.signum() <= 0 || stop.compareTo(start) < 0) {
                    throw new IllegalArgumentException("sweep '" + spec + "': " + key + " range needs step > 0 and stop >= start, got '" + v + "'");
                }
                for (BigDecimal x = start; x.compareTo(stop) <= 0; x = x.add(step)) {
                    out.add(plain(x));
                    if (out.size() > 1000) {
                        throw new IllegalArgumentException("sweep '" + spec + "': " + key + " range has more than 1000 values");
                    }
                }
            } else {
                for (String x : v.split("\\|")) {
                    out.add(plain(new BigDecimal(x.trim())));
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sweep '" + spec + "': " + key + " value '" + v + "' is not a number, a|b list or start:stop:step range");
        }
        return out;
    }

    private static String plain(BigDecimal x) {
        BigDecimal s = x.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }

    /** A parameter of this configuration; fails naming the config when absent. */
    public double parameter(String key) {
        Double v = values().get(key);
        if (v == null) {
            throw new IllegalArgumentException("evaluation config '" + name + "' has no parameter '" + key + "'");
        }
        return v;
    }
}
