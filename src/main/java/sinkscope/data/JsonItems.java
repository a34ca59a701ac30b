package sinkscope.data;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams the records of a JSON benchmark file one at a time (annotation files run to hundreds of MB): the
 * elements of a top-level array, of an array under a top-level key ({@code {"questions": [...]}}), or the members
 * of an object ({@code {"201307251": {...}, ...}}). Each record comes with the line where its value starts. A
 * syntax error ends the stream with one {@link ReadError} at its line (a JSON document cannot be resynchronised);
 * the records before it are kept.
 */
final class JsonItems {
    private JsonItems() {}

    /** One record: its line, its key (members of an object; else {@code null}) and its value. */
    interface Sink {
        void accept(int line, String key, JsonElement value);
    }

    /** One JSON-lines record: its line and its object; a {@link Fields.Bad} it throws becomes an error of that line. */
    interface LineSink {
        void accept(int line, JsonObject record);
    }

    /**
     * The records of a JSON-lines file: each non-blank line's object, with its line number (blank lines count). A line
     * that is not valid UTF-8 or not a JSON object, and any {@link Fields.Bad} the sink throws, become a
     * {@link ReadError} of {@code out} at that line; the lines after it are still read.
     */
    static void lines(Path file, BenchmarkRead<?> out, LineSink sink) throws IOException {
        String f = file.toString();
        int[] n = {0};
        Utf8Lines.forEach(file, line -> {
            n[0]++;
            if (line != null && line.isBlank()) {
                return;
            }
            try {
                if (line == null) {
                    throw new Fields.Bad(null, "not valid UTF-8");
                }
                JsonObject o;
                try {
                    o = QuestionReader.jsonObject(line);
                } catch (IllegalArgumentException e) {
                    throw new Fields.Bad(null, e.getMessage());
                }
                sink.accept(n[0], o);
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, n[0], e));
            }
        });
    }

    private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);
    private static final Pattern LINE = Pattern.compile(" at line (\\d+) ");

    /**
     * The elements of the array at {@code key} of the top-level object, or of the top-level array when
     * {@code key} is null (a top-level array is also accepted when a key is given). Returns the error that ended
     * the stream early, or null.
     */
    static ReadError array(Path file, String key, Sink sink) throws IOException {
        return stream(file, key, false, sink);
    }

    /** The members of the top-level object ({@code key} null) or of the object at {@code key}. */
    static ReadError members(Path file, String key, Sink sink) throws IOException {
        return stream(file, key, true, sink);
    }

    private static ReadError stream(Path file, String key, boolean members, Sink sink) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8); JsonReader r = new JsonReader(in)) {
            try {
                JsonToken t = r.peek();
                if (key != null && t == JsonToken.BEGIN_OBJECT) {
                    r.beginObject();
                    boolean found = false;
                    while (r.hasNext()) {
                        if (r.nextName().equals(key)) {
                            found = true;
                            break;
                        }
                        r.skipValue();
                    }
                    if (!found) {
                        return new ReadError(file.toString(), line(r), key, "missing top-level field");
                    }
                    t = r.peek();
                }
                JsonToken want = members ? JsonToken.BEGIN_OBJECT : JsonToken.BEGIN_ARRAY;
                if (t != want) {
                    return new ReadError(file.toString(), line(r), key,
                            "expected a JSON " + (members ? "object" : "array") + ", got " + t);
                }
                if (members) {
                    r.beginObject();
                    while (r.hasNext()) {
                        String name = r.nextName();
                        r.peek();
                        int line = line(r);
                        sink.accept(line, name, JSON.read(r));
                    }
                } else {
                    r.beginArray();
                    while (r.hasNext()) {
                        r.peek();
                        int line = line(r);
                        sink.accept(line, null, JSON.read(r));
                    }
                }
                return null;
            } catch (IOException | JsonParseException | IllegalStateException e) {
                if (e instanceof java.nio.charset.MalformedInputException) {
                    return new ReadError(file.toString(), line(r), null, "not valid UTF-8");
                }
                String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
                return new ReadError(file.toString(), line(r), null, "malformed JSON: "
                        + m.replaceAll("Use JsonReader.setStrictness\\(Strictness.LENIENT\\) to accept malformed JSON ", ""));
            }
        }
    }

    private static int line(JsonReader r) {
        Matcher m = LINE.matcher(r.toString());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }
}
