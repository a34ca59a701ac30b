package sinkscope.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint's Hugging Face tokenizer as transformers loads it: {@code tokenizer.json}, plus the added tokens that
 * {@code tokenizer_config.json}'s {@code added_tokens_decoder} declares and {@code tokenizer.json} lacks (released
 * checkpoints that share a vocabulary, e.g. InternVL3 on Qwen2's, declare their own special tokens there). The added
 * tokens are appended in id order; each must then encode to exactly its declared id, or the load fails naming the
 * file and the token. The EOS ids of a checkpoint ({@link #eosIds}) are the config's and those of
 * {@code generation_config.json}.
 */
public final class HfTokenizer {
    private HfTokenizer() {}

    /** Loads {@code dir/tokenizer.json} with {@code options} (DJL's), adding {@code dir/tokenizer_config.json}'s added tokens. */
    public static HuggingFaceTokenizer load(Path dir, Map<String, String> options) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw CheckpointException.of(dir, "no tokenizer.json");
        }
        JsonObject root;
        try {
            root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw CheckpointException.of(file, "cannot read: " + e.getMessage());
        }
        Path cfg = dir.resolve("tokenizer_config.json");
        Map<String, Integer> declared = new java.util.LinkedHashMap<>();
        List<JsonObject> extra = extraTokens(cfg, root, declared);
        try {
            HuggingFaceTokenizer tok;
            if (extra.isEmpty()) {
                tok = HuggingFaceTokenizer.newInstance(file, options);
            } else {
                JsonArray added = root.has("added_tokens") && root.get("added_tokens").isJsonArray() ? root.getAsJsonArray("added_tokens") : new JsonArray();
                extra.forEach(added::add);
                root.add("added_tokens", added);
                tok = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(root.toString().getBytes(StandardCharsets.UTF_8)), options);
            }
            for (Map.Entry<String, Integer> e : declared.entrySet()) {
                long[] ids = tok.encode(e.getKey()).getIds();
                if (ids.length != 1 || ids[0] != e.getValue()) {
                    tok.close();
                    throw CheckpointException.of(cfg, "added token " + e.getKey() + " is declared as id " + e.getValue() + " but encodes to "
                            + java.util.Arrays.toString(ids) + " with " + file.getFileName() + " (added tokens must continue the vocabulary in id order)");
                }
            }
            return tok;
        } catch (IOException e) {
            throw CheckpointException.of(file, "cannot load tokenizer: " + e.getMessage());
        }
    }

    /** The {@code added_tokens_decoder} entries of {@code cfg} that {@code tokenizer.json} lacks, as its {@code added_tokens} entries. */
    private static List<JsonObject> extraTokens(Path cfg, JsonObject tokenizer, Map<String, Integer> declared) {
        List<JsonObject> out = new ArrayList<>();
        if (!Files.isRegularFile(cfg)) {
            return out;
        }
        JsonObject o;
        try {
            o = JsonParser.parseString(Files.readString(cfg)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw CheckpointException.of(cfg, "cannot read: " + e.getMessage());
        }
        if (!o.has("added_tokens_decoder") || !o.get("added_tokens_decoder").isJsonObject()) {
            return out;
        }
        Set<String> have = new LinkedHashSet<>();
        Set<Integer> haveIds = new LinkedHashSet<>();
        if (tokenizer.has("added_tokens") && tokenizer.get("added_tokens").isJsonArray()) {
            for (JsonElement e : tokenizer.getAsJsonArray("added_tokens")) {
                have.add(e.getAsJsonObject().get("content").getAsString());
                haveIds.add(e.getAsJsonObject().get("id").getAsInt());
            }
        }
        java.util.TreeMap<Integer, JsonObject> byId = new java.util.TreeMap<>();
        java.util.TreeMap<Integer, String> ids = new java.util.TreeMap<>();
        for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("added_tokens_decoder").entrySet()) {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw CheckpointException.of(cfg, "field 'added_tokens_decoder' has a non-integer id \"" + e.getKey() + "\"");
            }
            if (!e.getValue().isJsonObject() || !e.getValue().getAsJsonObject().has("content")) {
                throw CheckpointException.of(cfg, "field 'added_tokens_decoder." + id + "' has no content");
            }
            JsonObject t = e.getValue().getAsJsonObject();
            String content = t.get("content").getAsString();
            ids.put(id, content);
            if (have.contains(content)) {
                continue;
            }
            if (haveIds.contains(id)) {
                throw CheckpointException.of(cfg, "added token " + content + " has id " + id + ", which tokenizer.json gives another token");
            }
            JsonObject a = new JsonObject();
            a.addProperty("id", id);
            a.addProperty("content", content);
            for (String k : new String[] {"single_word", "lstrip", "rstrip", "normalized", "special"}) {
                a.addProperty(k, t.has(k) && t.get(k).getAsBoolean());
            }
            byId.put(id, a);
        }
        ids.forEach((id, content) -> declared.put(content, id));
        out.addAll(byId.values());
        return out;
    }

    /** The config's EOS ids, then those of {@code dir/generation_config.json} (instruct models stop at several). */
    public static Set<Integer> eosIds(Path dir, TextConfig text) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (int e : text.eosTokenIds()) {
            ids.add(e);
        }
        Path gen = dir.resolve("generation_config.json");
        if (Files.isRegularFile(gen)) {
            try {
                JsonObject o = JsonParser.parseString(Files.readString(gen)).getAsJsonObject();
                JsonElement e = o.get("eos_token_id");
                if (e != null && e.isJsonArray()) {
                    e.getAsJsonArray().forEach(x -> ids.add(x.getAsInt()));
                } else if (e != null && e.isJsonPrimitive()) {
                    ids.add(e.getAsInt());
                }
            } catch (IOException | RuntimeException ex) {
                throw CheckpointException.of(gen, "cannot read eos_token_id: " + ex.getMessage());
            }
        }
        return Set.copyOf(ids);
    }
}
