package sinkscope.spark;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One evaluation configuration, named as it appears in the {@code config} column: {@code baseline},
 * {@code var}, {@code ablate_sinks}, {@code ablate_random}, optionally with parameters appended as
 * {@code _<key><number>} (e.g. {@code var_rho0.8}, {@code var_p0.3_rho0.8}).
 *
 * @param kind one of {@link #KINDS}
 * @param parameters the kind's defaults overridden by the name's suffixes: VAR uses {@code p} (kept fraction of
 *     sink attention, 0.6), {@code rho} (0.5) and {@code summ} (0.2), as in the paper, and optionally {@code tau} (an
 *     absolute sink threshold instead of the run's), {@code from} (sink detection and VAR from this layer on; the
 *     paper's 2) and {@code last} (1: VAR also rewrites the last layer, 0: it skips it, the default)
 *
 * <p>A sweep ({@link #expand}) names a grid of VAR configurations: {@code var[rho=0.5:0.9:0.1,p=0.6]} is
 * {@code var_rho0.5_p0.6}, {@code var_rho0.6_p0.6}, ..., {@code var_rho0.9_p0.6}: each key takes a value, an
 * inclusive range {@code start:stop:step} or a list {@code a|b|c}; the grid is every combination, the first key
 * varying slowest.
 */
public record EvalConfig(String name, String kind, Map<String, Double> parameters) implements Serializable {

    public static final String[] KINDS = {"baseline", "var", "ablate_sinks", "ablate_random"};
    /** The parameters a VAR configuration may set. */
    public static final List<String> VAR_KEYS = List.of("rho", "p", "summ", "tau", "from", "last");

    public EvalConfig {
        parameters = Map.copyOf(parameters);
    }

    /** Parses one configuration name; an unknown kind or a malformed suffix names the offending text. */
    public static EvalConfig parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        String kind = null;
        for (String k : KINDS) {
            if ((n.equals(k) || n.startsWith(k + "_")) && (kind == null || k.length() > kind.length())) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new IllegalArgumentException("unknown evaluation config '" + name + "'; known kinds: "
                    + String.join(", ", KINDS) + " (parameters as suffixes, e.g. var_rho0.8)");
        }
        Map<String, Double> params = new LinkedHashMap<>();
        if (kind.equals("var")) {
            params.put("p", 0.6);
            params.put("rho", 0.5);
            params.put("summ", 0.2);
        }
        String rest = n.substring(kind.length());
        for (String part : rest.split("_")) {
            if (part.isEmpty()) {
                continue;
            }
            int i = 0;
            while (i < part.length() && Character.isLetter(part.charAt(i))) {
                i++;
            }
            if (i == 0 || i == part.length()) {
                throw new IllegalArgumentException("evaluation config '" + name + "': expected _<key><number>, got '_" + part + "'");
            }
            String key = part.substring(0, i);
            if (kind.equals("var") && !VAR_KEYS.contains(key)) {
                throw new IllegalArgumentException("evaluation config '" + name + "': unknown VAR parameter '" + key + "'; known: " + VAR_KEYS);
            }
            if (!kind.equals("var")) {
                throw new IllegalArgumentException("evaluation config '" + name + "': " + kind + " takes no parameters");
            }
            double v;
            try {
                v = Double.parseDouble(part.substring(i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("evaluation config '" + name + "': '" + part.substring(i) + "' is not a number");
            }
            check(name, key, v);
            params.put(key, v);
        }
        return new EvalConfig(n, kind, params);
    }

    private static void check(String name, String key, double v) {
        boolean ok = switch (key) {
            case "rho", "p", "summ" -> v >= 0 && v <= 1;
            case "tau" -> v > 0 && Double.isFinite(v);
            case "from" -> v >= 0 && v == Math.rint(v);
            case "last" -> v == 0 || v == 1;
            default -> true;
        };
        if (!ok) {
            String want = switch (key) {
                case "rho", "p", "summ" -> "in [0, 1]";
                case "tau" -> "a positive number";
                case "from" -> "a layer index >= 0";
                default -> "0 or 1";
            };
            throw new IllegalArgumentException("evaluation config '" + name + "': " + key + " must be " + want + ", got " + v);
        }
    }

    /** A parameter of this configuration, or {@code fallback} when absent. */
    public double parameter(String key, double fallback) {
        Double v = parameters.get(key);
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
        if (!kind.equals("var")) {
            throw new IllegalArgumentException("sweep '" + spec + "': only var configurations have parameters to sweep");
        }
        List<String> keys = new ArrayList<>();
        List<List<String>> values = new ArrayList<>();
        for (String item : s.substring(open + 1, s.length() - 1).split(",")) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("sweep '" + spec + "': expected key=values, got '" + item.trim() + "'");
            }
            String key = item.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (!VAR_KEYS.contains(key)) {
                throw new IllegalArgumentException("sweep '" + spec + "': unknown VAR parameter '" + key + "'; known: " + VAR_KEYS);
            }
            if (keys.contains(key)) {
                throw new IllegalArgumentException("sweep '" + spec + "': parameter '" + key + "' given twice");
            }
            keys.add(key);
            values.add(values(spec, key, item.substring(eq + 1).trim()));
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("sweep '" + spec + "': no parameters");
        }
        List<EvalConfig> out = new ArrayList<>();
        grid(kind, keys, values, 0, "", out);
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
        Double v = parameters.get(key);
        if (v == null) {
            throw new IllegalArgumentException("evaluation config '" + name + "' has no parameter '" + key + "'");
        }
        return v;
    }
}
