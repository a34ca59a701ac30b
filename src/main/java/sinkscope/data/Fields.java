package sinkscope.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Typed field access for the benchmark readers; every failure names the field ({@link Bad}). */
final class Fields {
    private Fields() {}

    /** A field that is missing or of the wrong type. */
    static final class Bad extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String field;

        Bad(String field, String reason) {
            super(reason);
            this.field = field;
        }
    }

    static ReadError error(String file, int line, Bad e) {
        return new ReadError(file, line, e.field, e.getMessage());
    }

    static String string(JsonObject o, String field) {
        String s = optString(o, field);
        if (s == null) {
            throw new Bad(field, "missing");
        }
        if (s.isBlank()) {
            throw new Bad(field, "empty");
        }
        return s;
    }

    /** A string; null when absent or JSON null. */
    static String optString(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new Bad(field, "must be a string, got " + e);
        }
        return e.getAsString();
    }

    /** A number or string id, numbers in their integer form ({@code 7.0} is {@code "7"}). */
    static String id(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            throw new Bad(field, "missing");
        }
        if (!e.isJsonPrimitive() || e.getAsJsonPrimitive().isBoolean()) {
            throw new Bad(field, "must be a number or a string, got " + e);
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isNumber()) {
            BigDecimal d = new BigDecimal(p.getAsString()).stripTrailingZeros();
            return d.scale() <= 0 ? d.toBigInteger().toString() : d.toPlainString();
        }
        String s = p.getAsString().trim();
        if (s.isEmpty()) {
            throw new Bad(field, "empty");
        }
        return s;
    }

    static long integer(JsonObject o, String field) {
        String s = id(o, field);
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException ex) {
            throw new Bad(field, "must be an integer, got " + o.get(field));
        }
    }

    static JsonArray array(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            throw new Bad(field, "missing");
        }
        if (!e.isJsonArray()) {
            throw new Bad(field, "must be an array, got " + e);
        }
        return e.getAsJsonArray();
    }

    /** A non-empty array of strings. */
    static List<String> strings(JsonObject o, String field) {
        JsonArray a = array(o, field);
        List<String> out = new ArrayList<>();
        for (JsonElement e : a) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw new Bad(field, "must hold strings, got " + e);
            }
            out.add(e.getAsString());
        }
        if (out.isEmpty()) {
            throw new Bad(field, "empty");
        }
        return out;
    }

    static JsonObject object(JsonElement e, String what) {
        if (e == null || !e.isJsonObject()) {
            throw new Bad(null, what + " must be a JSON object, got " + (e == null ? "nothing" : shorten(e.toString())));
        }
        return e.getAsJsonObject();
    }

    static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
