package sinkscope.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Where a model's parameters come from, by module path of the v4.41 llava-hf layout
 * ({@code language_model.model.layers.0.self_attn.q_proj.weight}, ...): a {@link Checkpoint}, or
 * {@link RandomWeights} for benchmarks and training from scratch.
 */
public interface Weights {

    /** Parameter {@code name} with exactly {@code shape}, converted to {@code dtype} on {@code device}, owned by {@code m}. */
    NDArray load(NDManager m, String name, DataType dtype, Device device, long... shape);

    /** Whether parameter {@code name} exists (optional parameters: extra CLIP layers, a separate lm_head). */
    boolean has(String name);
}
