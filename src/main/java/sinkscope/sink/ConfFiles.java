package sinkscope.sink;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository's {@code conf/} directory: {@code -Dsinkscope.conf=DIR} when given, else {@code conf} relative to
 * the working directory (the project root for Maven, the job's directory for the launch scripts), else the copy
 * bundled in the jar under {@code sinkscope/conf/} (what executors of a cluster see).
 */
public final class ConfFiles {
    private ConfFiles() {}

    public static Path resolve(String name) {
        Path local = Path.of(System.getProperty("sinkscope.conf", "conf")).resolve(name);
        if (Files.isRegularFile(local) || System.getProperty("sinkscope.conf") != null) {
            return local;
        }
        try (java.io.InputStream in = ConfFiles.class.getResourceAsStream("/sinkscope/conf/" + name)) {
            if (in == null) {
                return local;
            }
            Path copy = Files.createTempFile("sinkscope-conf-", "-" + name.replace('/', '-'));
            copy.toFile().deleteOnExit();
            Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return copy;
        } catch (IOException e) {
            throw new IllegalArgumentException("bundled conf file " + name + ": " + e.getMessage(), e);
        }
    }

    public static JsonObject read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) {
                throw new IllegalArgumentException(file + ": expected a JSON object at the top level");
            }
            return root.getAsJsonObject();
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    public static JsonObject object(Path file, JsonObject parent, String field, String where) {
        JsonElement e = parent.get(field);
        if (e == null || !e.isJsonObject()) {
            throw new IllegalArgumentException(file + ": " + where + field + " must be an object");
        }
        return e.getAsJsonObject();
    }

    public static double number(Path file, JsonObject parent, String field, String where) {
        JsonElement e = parent.get(field);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(file + ": " + where + field + " must be a number");
        }
        return e.getAsDouble();
    }

    static int[] ints(Path file, JsonObject parent, String field, String where) {
        JsonElement e = parent.get(field);
        if (e == null || !e.isJsonArray()) {
            throw new IllegalArgumentException(file + ": " + where + field + " must be an array of integers");
        }
        int[] out = new int[e.getAsJsonArray().size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement v = e.getAsJsonArray().get(i);
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber() || v.getAsDouble() != Math.rint(v.getAsDouble())) {
                throw new IllegalArgumentException(file + ": " + where + field + "[" + i + "] must be an integer, got " + v);
            }
            out[i] = v.getAsInt();
        }
        return out;
    }
}
