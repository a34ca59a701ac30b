package sinkscope.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line flags: {@code --name value}, {@code --name=value} and bare {@code --flag} (true). Every flag a
 * command reads is recorded, so {@link #requireAllUsed()} can reject typos with the list of known flags.
 */
public final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final Set<String> read = new HashSet<>();

    public Args(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.startsWith("--")) {
                String key = a.substring(2);
                int eq = key.indexOf('=');
                if (eq >= 0) {
                    values.put(key.substring(0, eq), key.substring(eq + 1));
                } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                    values.put(key, argv[++i]);
                } else {
                    values.put(key, "true");
                }
            } else {
                positional.add(a);
            }
        }
    }

    /** The flags as given, in order ({@code --flag} alone is {@code "true"}). */
    public Map<String, String> flags() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /** These flags with {@code overrides} put over them (a flag given in both takes the override's value). */
    public static Args of(Map<String, String> flags, Args overrides) {
        Args a = new Args(new String[0]);
        a.values.putAll(flags);
        a.values.putAll(overrides.values);
        a.positional.addAll(overrides.positional);
        return a;
    }

    public List<String> positional() {
        return positional;
    }

    public boolean has(String name) {
        read.add(name);
        return values.containsKey(name);
    }

    public String string(String name, String fallback) {
        read.add(name);
        return values.getOrDefault(name, fallback);
    }

    public String required(String name) {
        read.add(name);
        String v = values.get(name);
        if (v == null || v.equals("true") && !name.equals("true")) {
            if (v == null) {
                throw new UsageException("missing --" + name);
            }
        }
        return v;
    }

    public Path path(String name) {
        return Path.of(required(name));
    }

    public Path path(String name, Path fallback) {
        String v = string(name, null);
        return v == null ? fallback : Path.of(v);
    }

    public int integer(String name, int fallback) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    public double number(String name, double fallback) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects a number, got '" + v + "'");
        }
    }

    public boolean bool(String name, boolean fallback) {
        String v = string(name, null);
        if (v == null) {
            return fallback;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new UsageException("--" + name + " expects true or false, got '" + v + "'");
        };
    }

    /** Comma-separated integers, e.g. {@code --sink-dims 1415,2533}; {@code null} when absent. */
    public int[] ints(String name) {
        String v = string(name, null);
        if (v == null) {
            return null;
        }
        try {
            return java.util.Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects comma-separated integers, got '" + v + "'");
        }
    }

    /** Fails on flags no one asked for (typos), naming them and the flags the command knows. */
    public void requireAllUsed() {
        List<String> unknown = new ArrayList<>();
        for (String k : values.keySet()) {
            if (!read.contains(k)) {
                unknown.add("--" + k);
            }
        }
        if (!unknown.isEmpty()) {
            List<String> known = new ArrayList<>();
            for (String k : read) {
                known.add("--" + k);
            }
            java.util.Collections.sort(known);
            throw new UsageException("unknown option(s) " + unknown + "; this command knows " + known);
        }
    }

    /** A mistake on the command line: printed without a stack trace, exit code 2. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }
}
