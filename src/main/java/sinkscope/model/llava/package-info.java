/**
 * LLaVA-1.5 ({@code model_type llava}), llava-hf and original layouts: the CLIP image processor (crop and pad), CLIP
 * vision tower, multimodal projector, LLaMA-2 tokenizer and {@link sinkscope.model.llava.Llava}, the family's
 * {@link sinkscope.model.Lmm}. Depends on {@code sinkscope.model} and DJL only.
 */
package sinkscope.model.llava;
