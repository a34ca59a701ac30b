package sinkscope.model.auto;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * A decoder's shape and the image tokens of a typical prompt, what {@code bench-forward} times: hidden size, attention
 * and key/value heads, layers, MLP size, vocabulary, image tokens, and the positions the rotary table must hold at
 * least.
 */
public record DecoderShape(int hidden, int heads, int kvHeads, int layers, int intermediate, int vocab, int imageTokens, int maxPositions) {
    public DecoderShape {
        if (hidden <= 0 || heads <= 0 || kvHeads <= 0 || layers <= 0 || intermediate <= 0 || vocab <= 0 || imageTokens < 0 || hidden % heads != 0
                || heads % kvHeads != 0) {
            throw new IllegalArgumentException("decoder shape " + this + ": sizes must be positive, hidden a multiple of heads, heads of kv heads");
        }
    }

    /** The same decoder with {@code layers} layers and a rotary table of at least {@code maxPositions}. */
    public DecoderShape with(int layers, int maxPositions) {
        return new DecoderShape(hidden, heads, kvHeads, layers, intermediate, vocab, imageTokens, maxPositions);
    }

    /**
     * The config.json of a random model of this decoder: {@code model_type}, {@code text_config} (this shape, the
     * positions at least {@code releasedMaxPositions}, and {@code text}'s family fields), {@code vision_config}.
     */
    JsonObject config(String modelType, int releasedMaxPositions, JsonObject text, JsonObject vision) {
        JsonObject t = json("hidden_size", hidden, "num_attention_heads", heads, "num_key_value_heads", kvHeads, "num_hidden_layers", layers,
                "intermediate_size", intermediate, "vocab_size", vocab, "max_position_embeddings", Math.max(releasedMaxPositions, maxPositions));
        text.entrySet().forEach(e -> t.add(e.getKey(), e.getValue()));
        return json("model_type", modelType, "text_config", t, "vision_config", vision);
    }

    /** A JSON object of key, value pairs (values: numbers, booleans, strings, {@code int[]}, JSON elements). */
    static JsonObject json(Object... kv) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < kv.length; i += 2) {
            String k = (String) kv[i];
            Object v = kv[i + 1];
            if (v instanceof Number n) {
                o.addProperty(k, n);
            } else if (v instanceof Boolean b) {
                o.addProperty(k, b);
            } else if (v instanceof String str) {
                o.addProperty(k, str);
            } else if (v instanceof int[] a) {
                JsonArray arr = new JsonArray();
                for (int x : a) {
                    arr.add(x);
                }
                o.add(k, arr);
            } else {
                o.add(k, (JsonElement) v);
            }
        }
        return o;
    }
}
