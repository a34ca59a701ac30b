/**
 * The shared LMM runtime on DJL (PyTorch engine): checkpoints (config.json, safetensors shards with per-family
 * weight-name aliases; pickle is refused), the decoder every family uses ({@link sinkscope.model.LlamaModel}: LLaMA,
 * Qwen2 and Mistral variants, RoPE or multimodal rotary rows, GQA, KV cache), norms, linear layers, activations,
 * Pillow-exact resizing, generation (one prompt, or a left-padded batch with per-sample hooks:
 * {@link sinkscope.model.BatchedPrompts}; greedy, sampling or beam search as {@link sinkscope.model.decoding} says,
 * optionally with a second, contrast input per sample: {@link sinkscope.model.Contrast}; OPERA's beam search with
 * candidate passes and rollbacks: {@link sinkscope.model.OperaDecoder}), the family seam {@link sinkscope.model.Lmm} with its records
 * ({@link sinkscope.model.Inputs}, {@link sinkscope.model.Merged}, {@link sinkscope.model.Generation}), and the
 * {@link sinkscope.model.AttentionHook} through which callers observe hidden states and observe or rewrite
 * post-softmax attention. The families live in sub-packages ({@code llava}, {@code llavanext}, {@code qwen2vl}),
 * chosen by {@code model.auto}.
 *
 * <p>Depends on DJL and the JDK only: nothing of Spark, nothing of the other SinkScope packages, no family.
 */
package sinkscope.model;
