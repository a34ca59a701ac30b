package sinkscope.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One evaluation configuration, named as it appears in the {@code config} column: {@code baseline},
 * {@code var}, {@code ablate_sinks}, {@code ablate_random}, optionally with parameters appended as
 * {@code _<key><number>} (e.g. {@code var_rho0.8}, {@code var_p0.3_rho0.8}).
 *
 * @param kind one of {@link #KINDS}
 * @param parameters the kind's defaults overridden by the name's suffixes: VAR uses {@code p} (kept fraction of
 *     sink attention, 0.6), {@code rho} (0.5) and {@code summ} (0.2), as in the paper
 */
public record EvalConfig(String name, String kind, Map<String, Double> parameters) implements Serializable {

    public static final String[] KINDS = {"baseline", "var", "ablate_sinks", "ablate_random"};

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
            try {
                params.put(part.substring(0, i), Double.parseDouble(part.substring(i)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("evaluation config '" + name + "': '" + part.substring(i) + "' is not a number");
            }
        }
        return new EvalConfig(n, kind, params);
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
