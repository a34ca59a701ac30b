/**
 * The LLaVA runtime on DJL (PyTorch engine): checkpoints in the llava-hf layout (config.json, safetensors
 * shards; pickle is refused), the tokenizer, CLIP image processing, the CLIP vision tower, the projector, the
 * LLaMA decoder with KV cache, greedy generation, and the {@link sinkscope.model.AttentionHook} through which
 * callers observe hidden states and observe or rewrite post-softmax attention.
 *
 * <p>Depends on DJL and the JDK only: nothing of Spark, nothing of the other SinkScope packages.
 */
package sinkscope.model;
