package sinkscope.sink;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The known sink dimensions D_sink per LLM backbone, from {@code conf/sink_dims.json} ({@code models.<name>.dims}).
 *
 * <p>Lookup: the model name (a text_config {@code _name_or_path} such as {@code lmsys/vicuna-7b-v1.5} or
 * {@code meta-llama/Llama-2-7b-hf}, or a checkpoint path) is lower-cased with {@code _} and {@code .} read as
 * {@code -}; the first entry (file order) one of whose {@code names} it contains wins. Failing that, the first
 * entry whose {@code fallback_hidden_size} equals the hidden size (4096 for LLaMA-2-7B, 5120 for LLaMA-2-13B);
 * otherwise nothing, and the caller discovers the dims with {@link SinkDimensions} or passes them explicitly.
 */
public final class KnownSinkDims {

    /** A lookup result: the entry's name, its dimensions and how it matched ("name" or "hidden size"). */
    public record Match(String model, int[] dims, String reason) {}

    private record Entry(String model, int[] dims, int hiddenSize, int fallbackHiddenSize, List<String> names) {}

    private final Path file;
    private final List<Entry> entries;

    private KnownSinkDims(Path file, List<Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    /** Looks {@code llmNameOrPath} up in the default {@code conf/sink_dims.json}. */
    public static Optional<Match> forModel(String llmNameOrPath, int hiddenSize) {
        return load(ConfFiles.resolve("sink_dims.json")).match(llmNameOrPath, hiddenSize);
    }

    public static KnownSinkDims load(Path file) {
        JsonObject models = ConfFiles.object(file, ConfFiles.read(file), "models", "");
        List<Entry> entries = new ArrayList<>();
        for (var e : models.entrySet()) {
            String where = "models." + e.getKey() + ".";
            if (!e.getValue().isJsonObject()) {
                throw new IllegalArgumentException(file + ": models." + e.getKey() + " must be an object");
            }
            JsonObject o = e.getValue().getAsJsonObject();
            int hidden = (int) ConfFiles.number(file, o, "hidden_size", where);
            int[] dims = ConfFiles.ints(file, o, "dims", where);
            if (dims.length == 0) {
                throw new IllegalArgumentException(file + ": " + where + "dims is empty");
            }
            for (int i = 0; i < dims.length; i++) {
                if (dims[i] < 0 || dims[i] >= hidden) {
                    throw new IllegalArgumentException(file + ": " + where + "dims[" + i + "] = " + dims[i] + " is outside hidden_size " + hidden);
                }
            }
            int fallback = o.has("fallback_hidden_size") ? (int) ConfFiles.number(file, o, "fallback_hidden_size", where) : -1;
            JsonElement names = o.get("names");
            if (names == null || !names.isJsonArray()) {
                throw new IllegalArgumentException(file + ": " + where + "names must be an array of strings");
            }
            List<String> list = new ArrayList<>();
            for (JsonElement n : names.getAsJsonArray()) {
                list.add(normalise(n.getAsString()));
            }
            entries.add(new Entry(e.getKey(), dims, hidden, fallback, list));
        }
        return new KnownSinkDims(file, entries);
    }

    public Optional<Match> match(String llmNameOrPath, int hiddenSize) {
        if (llmNameOrPath != null) {
            String name = normalise(llmNameOrPath);
            for (Entry e : entries) {
                for (String n : e.names()) {
                    if (name.contains(n)) {
                        if (hiddenSize > 0 && hiddenSize != e.hiddenSize()) {
                            throw new IllegalArgumentException(file + ": model '" + llmNameOrPath + "' matches " + e.model() + " (hidden_size "
                                    + e.hiddenSize() + ") but the checkpoint has hidden size " + hiddenSize);
                        }
                        return Optional.of(new Match(e.model(), e.dims().clone(), "name"));
                    }
                }
            }
        }
        for (Entry e : entries) {
            if (e.fallbackHiddenSize() == hiddenSize) {
                return Optional.of(new Match(e.model(), e.dims().clone(), "hidden size"));
            }
        }
        return Optional.empty();
    }

    private static String normalise(String s) {
        return s.toLowerCase(Locale.ROOT).replace('_', '-').replace('.', '-');
    }
}
