package sinkscope.model;

/**
 * The checkpoint names of a decoder's weights, which each family gives {@link LlamaModel#load}: the model-level ones
 * under {@code prefix} ({@code <prefix><embed>.weight}, {@code <prefix><norm>.weight}), the head as
 * {@code <lmHead>.weight}, and per layer {@code i} the parts under {@code <prefix>layers.<i>.} ({@code <qProj>.weight},
 * {@code <qProj>.bias} when the config has biases, ...). The decoder is one class; the names are the family's.
 *
 * <p>A fused query/key/value projection ({@code qkvProj} non-null, then {@code qProj}, {@code kProj},
 * {@code vProj} are null) is stored in InternLM2's grouped layout: its {@code (H + 2 K) hd} output rows are, per
 * key/value head {@code k < K}, the {@code H / K} query heads that share it, then its key head, then its value head
 * ({@code wqkv} rearranged {@code "(h gs d) D -> h gs d D"}, {@code gs = H / K + 2}); {@link LlamaModel#load} splits
 * it into the query, key and value rows.
 */
public record DecoderNames(String prefix, String lmHead, String embed, String norm, String qProj, String kProj, String vProj, String qkvProj,
        String oProj, String qNorm, String kNorm, String gateProj, String upProj, String downProj, String inputNorm, String postAttentionNorm) {

    public DecoderNames {
        boolean separate = qProj != null && kProj != null && vProj != null;
        boolean none = qProj == null && kProj == null && vProj == null;
        if (qkvProj == null ? !separate : !none) {
            throw new IllegalArgumentException("a decoder has either q/k/v projections or one fused qkv projection, got q " + qProj + ", k " + kProj
                    + ", v " + vProj + ", qkv " + qkvProj);
        }
    }

    /**
     * Hugging Face's LLaMA / Mistral / Qwen2 / Qwen3 names ({@code modeling_llama.py}: {@code embed_tokens},
     * {@code self_attn.q_proj}, {@code self_attn.q_norm}, {@code mlp.gate_proj}, {@code input_layernorm}, ...).
     */
    public static DecoderNames hf(String prefix, String lmHead) {
        return new DecoderNames(prefix, lmHead, "embed_tokens", "norm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", null,
                "self_attn.o_proj", "self_attn.q_norm", "self_attn.k_norm", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm",
                "post_attention_layernorm");
    }

    /** Whether query, key and value are one fused projection. */
    public boolean fused() {
        return qkvProj != null;
    }

    /** The prefix of layer {@code i}'s parts. */
    public String layer(int i) {
        return prefix + "layers." + i + ".";
    }
}
