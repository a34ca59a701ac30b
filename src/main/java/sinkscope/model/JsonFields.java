package sinkscope.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;

/** Typed access to one config.json object ({@code prefix} names it in errors, e.g. {@code text_config.}) with errors naming file and field. */
public record JsonFields(Path file, JsonObject o, String prefix) {

    /**
     * The JSON object of {@code file} (a checkpoint's config.json, preprocessor_config.json, ...), or an error naming the
     * file ("cannot read config", "not a JSON object"): the one reader of the families' JSON files.
     */
    public static JsonObject read(Path file) {
        try {
            return com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(file)).getAsJsonObject();
        } catch (java.io.IOException e) {
            throw CheckpointException.of(file, "cannot read config: " + e.getMessage());
        } catch (RuntimeException e) {
            throw CheckpointException.of(file, "not a JSON object: " + e.getMessage());
        }
    }

    public boolean has(String k) {
        return o.has(k);
    }

    public boolean isNull(String k) {
        return o.get(k).isJsonNull();
    }

    private JsonElement get(String k) {
        JsonElement e = o.get(k);
        return e == null || e.isJsonNull() ? null : e;
    }

    public String str(String k, String fallback) {
        JsonElement e = get(k);
        if (e == null) {
            return fallback;
        }
        if (!e.isJsonPrimitive()) {
            throw CheckpointException.of(file, "field '" + prefix + k + "' must be a string, got " + e);
        }
        return e.getAsString();
    }

    public int integer(String k, int fallback) {
        JsonElement e = get(k);
        if (e == null) {
            return fallback;
        }
        try {
            double d = e.getAsDouble();
            if (d != Math.rint(d)) {
                throw new NumberFormatException();
            }
            return (int) d;
        } catch (RuntimeException ex) {
            throw CheckpointException.of(file, "field '" + prefix + k + "' must be an integer, got " + e);
        }
    }

    public double number(String k, double fallback) {
        JsonElement e = get(k);
        if (e == null) {
            return fallback;
        }
        try {
            return e.getAsDouble();
        } catch (RuntimeException ex) {
            throw CheckpointException.of(file, "field '" + prefix + k + "' must be a number, got " + e);
        }
    }

    /** A per-channel list of 3 numbers ({@code image_mean}, {@code image_std}), or {@code fallback} when absent. */
    public double[] channels(String k, double[] fallback) {
        JsonElement e = get(k);
        if (e == null) {
            return fallback;
        }
        if (!e.isJsonArray() || e.getAsJsonArray().size() != 3) {
            throw CheckpointException.of(file, "field '" + prefix + k + "' must be a list of 3 numbers, got " + e);
        }
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) {
            try {
                out[i] = e.getAsJsonArray().get(i).getAsDouble();
            } catch (RuntimeException ex) {
                throw CheckpointException.of(file, "field '" + prefix + k + "' must be a list of 3 numbers, got " + e);
            }
        }
        return out;
    }

    public boolean bool(String k, boolean fallback) {
        JsonElement e = get(k);
        if (e == null) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw CheckpointException.of(file, "field '" + prefix + k + "' must be true or false, got " + e);
        }
        return e.getAsBoolean();
    }

    /** The nested object {@code k}, or null when absent or null. */
    public JsonObject object(String k) {
        JsonElement e = get(k);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
    }

    /** The integer array {@code k} (a single integer reads as one element), or {@code fallback} when absent. */
    public int[] ints(String k, int[] fallback) {
        JsonElement e = get(k);
        if (e == null) {
            return fallback;
        }
        try {
            if (e.isJsonArray()) {
                int[] out = new int[e.getAsJsonArray().size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = e.getAsJsonArray().get(i).getAsInt();
                }
                return out;
            }
            return new int[] {e.getAsInt()};
        } catch (RuntimeException ex) {
            throw CheckpointException.of(file, "field '" + prefix + k + "' must be an integer or a list of integers, got " + e);
        }
    }

    /** A field that must be positive. */
    public static void positive(Path file, String field, int value) {
        if (value <= 0) {
            throw CheckpointException.of(file, "field '" + field + "' must be positive, got " + value);
        }
    }
}
