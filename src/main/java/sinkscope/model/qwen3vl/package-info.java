/**
 * Qwen3-VL (dense, {@code model_type qwen3_vl}): config, vision tower with learned position grid and DeepStack
 * mergers, the model. Its prompt, processor and merge are the shared ones of {@link sinkscope.model.qwenvl}; its
 * decoder is {@link sinkscope.model.LlamaModel} with Qwen3's options (per-head q/k norms, explicit head_dim,
 * interleaved M-RoPE, DeepStack additions).
 */
package sinkscope.model.qwen3vl;
