package sinkscope.model.auto;

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

    /** The text config of this decoder as config.json's {@code text_config} holds it (callers add the family's rotary and norm fields). */
    com.google.gson.JsonObject textConfig(int releasedMaxPositions) {
        com.google.gson.JsonObject text = new com.google.gson.JsonObject();
        text.addProperty("hidden_size", hidden);
        text.addProperty("num_attention_heads", heads);
        text.addProperty("num_key_value_heads", kvHeads);
        text.addProperty("num_hidden_layers", layers);
        text.addProperty("intermediate_size", intermediate);
        text.addProperty("vocab_size", vocab);
        text.addProperty("max_position_embeddings", Math.max(releasedMaxPositions, maxPositions));
        return text;
    }
}
