package sinkscope.model;

import ai.djl.ndarray.NDArray;

/** LlamaDecoderLayer (pre-norm): {@code h = x + self_attn(input_layernorm(x)); out = h + mlp(post_attention_layernorm(h))}. */
public record LlamaDecoderLayer(RmsNorm inputLayernorm, LlamaAttention selfAttn, RmsNorm postAttentionLayernorm, LlamaMlp mlp) {

    NDArray forward(int layer, NDArray x, RotaryEmbedding.Rows rope, KvCache cache, ForwardStep step, AttentionHook hook, NDArray mask) {
        NDArray h = x.add(selfAttn.forward(layer, inputLayernorm.forward(x), rope, cache, step, hook, mask));
        return h.add(mlp.forward(postAttentionLayernorm.forward(h)));
    }
}
