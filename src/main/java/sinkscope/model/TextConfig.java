package sinkscope.model;

/**
 * Hyper-parameters of the decoder-only language model inside an LMM (LLaMA, Qwen2, Mistral): what
 * {@link LlamaModel} needs. {@code nameOrPath} is the LLM's {@code _name_or_path} ("" when absent), by which the
 * known sink dimensions are looked up.
 *
 * @param attentionBias whether {@code q_proj}, {@code k_proj}, {@code v_proj} have biases (LLaMA's
 *     {@code attention_bias}; always for Qwen2)
 * @param outputBias whether {@code o_proj} has a bias (LLaMA's {@code attention_bias}; never for Qwen2)
 * @param eosTokenIds the ids that end a greedy generation (the first is the config's {@code eos_token_id})
 * @param mropeSection Qwen2-VL's multimodal rotary sections {t, h, w} over the {@code head_dim/2} frequencies, or
 *     null for the 1-D rotary of LLaMA
 * @param slidingWindow attention window in tokens (0 = none)
 * @param headDim width of one attention head (Qwen3's explicit {@code head_dim}; {@code hidden_size / heads} elsewhere)
 * @param qkNorm whether q and k get an RMSNorm over each head's {@code head_dim} before the rotary ({@code q_norm},
 *     {@code k_norm} of Qwen3)
 * @param mropeInterleaved whether the multimodal rotary's sections are interleaved over the frequencies (Qwen3-VL:
 *     frequency {@code j} turns with h when {@code j % 3 == 1, j < 3 h}, with w when {@code j % 3 == 2, j < 3 w}, else
 *     with t) rather than contiguous (Qwen2-VL)
 */
public record TextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        String hiddenAct,
        int maxPositionEmbeddings,
        double rmsNormEps,
        double ropeTheta,
        boolean attentionBias,
        boolean outputBias,
        boolean tieWordEmbeddings,
        int bosTokenId,
        int[] eosTokenIds,
        String nameOrPath,
        int[] mropeSection,
        int slidingWindow,
        int headDim,
        boolean qkNorm,
        boolean mropeInterleaved) {

    /** A LLaMA / Qwen2 / Mistral decoder: {@code head_dim = hidden_size / heads}, no q/k norms, contiguous M-RoPE sections. */
    public TextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers, int numAttentionHeads, int numKeyValueHeads,
            String hiddenAct, int maxPositionEmbeddings, double rmsNormEps, double ropeTheta, boolean attentionBias, boolean outputBias,
            boolean tieWordEmbeddings, int bosTokenId, int[] eosTokenIds, String nameOrPath, int[] mropeSection, int slidingWindow) {
        this(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, hiddenAct, maxPositionEmbeddings,
                rmsNormEps, ropeTheta, attentionBias, outputBias, tieWordEmbeddings, bosTokenId, eosTokenIds, nameOrPath, mropeSection, slidingWindow,
                hiddenSize / numAttentionHeads, false, false);
    }

    /**
     * The fields every decoder's {@code text_config} names alike (transformers' LlamaConfig, MistralConfig,
     * Qwen2Config, Qwen3Config): vocabulary, hidden size, MLP size, layers, attention and key/value heads (absent or
     * null: as many as the heads), activation, positions, RMSNorm epsilon.
     */
    public record Sizes(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads, String act, int maxPositions, double eps) {
        /** {@code t}'s fields, each absent one taken from {@code defaults} (whose {@code kvHeads} is not used). */
        public static Sizes read(JsonFields t, Sizes defaults) {
            int heads = t.integer("num_attention_heads", defaults.heads());
            return new Sizes(t.integer("vocab_size", defaults.vocab()), t.integer("hidden_size", defaults.hidden()),
                    t.integer("intermediate_size", defaults.intermediate()), t.integer("num_hidden_layers", defaults.layers()), heads,
                    t.integer("num_key_value_heads", heads), t.str("hidden_act", defaults.act()), t.integer("max_position_embeddings", defaults.maxPositions()),
                    t.number("rms_norm_eps", defaults.eps()));
        }
    }

    /** A decoder of {@code s} with the rest of the fields as the canonical constructor names them. */
    public static TextConfig of(Sizes s, double ropeTheta, boolean attentionBias, boolean outputBias, boolean tieWordEmbeddings, int bosTokenId,
            int[] eosTokenIds, String nameOrPath, int[] mropeSection, int slidingWindow, int headDim, boolean qkNorm, boolean mropeInterleaved) {
        return new TextConfig(s.vocab(), s.hidden(), s.intermediate(), s.layers(), s.heads(), s.kvHeads(), s.act(), s.maxPositions(), s.eps(), ropeTheta,
                attentionBias, outputBias, tieWordEmbeddings, bosTokenId, eosTokenIds, nameOrPath, mropeSection, slidingWindow, headDim, qkNorm,
                mropeInterleaved);
    }

    /** The config's {@code eos_token_id} (the first of {@link #eosTokenIds}). */
    public int eosTokenId() {
        return eosTokenIds[0];
    }

    /** Whether {@code id} ends a generation. */
    public boolean isEos(long id) {
        for (int e : eosTokenIds) {
            if (e == id) {
                return true;
            }
        }
        return false;
    }

    /** Parameters of the decoder with its embedding and lm_head. */
    public long parameterCount() {
        long d = hiddenSize;
        long q = (long) numAttentionHeads * headDim;
        long kv = (long) numKeyValueHeads * headDim;
        long biases = (attentionBias ? q + 2 * kv : 0) + (outputBias ? d : 0);
        long perLayer = d * q * 2 + d * kv * 2 + 3 * d * intermediateSize + 2 * d + biases + (qkNorm ? 2L * headDim : 0);
        long embed = (long) vocabSize * d;
        return perLayer * numHiddenLayers + embed * (tieWordEmbeddings ? 1 : 2) + d;
    }
}
