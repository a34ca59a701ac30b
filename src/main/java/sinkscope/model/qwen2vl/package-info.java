/**
 * Qwen2-VL and Qwen2.5-VL ({@code model_type qwen2_vl}, {@code qwen2_5_vl}): the dynamic-resolution image processor
 * ({@code smart_resize}, patch flattening), the vision transformer (2-D rotary, Qwen2.5-VL's window attention, patch
 * merger), multimodal rotary position ids and {@link sinkscope.model.qwen2vl.Qwen2Vl}, the family's
 * {@link sinkscope.model.Lmm} on the shared Qwen2 decoder. Depends on {@code sinkscope.model} and DJL only.
 */
package sinkscope.model.qwen2vl;
