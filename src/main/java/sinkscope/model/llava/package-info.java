/**
 * LLaVA-1.5 ({@code model_type llava}), llava-hf and original layouts: its config ({@link
 * sinkscope.model.llava.LlavaConfig}, the original layout's reading and its chat formats), processor, patch geometry
 * and {@link sinkscope.model.llava.Llava}, the family's {@link sinkscope.model.Lmm}; the CLIP tower, image processor,
 * projector and tokenizer it shares with LLaVA-NeXT are in {@code sinkscope.model.clip}. Depends on
 * {@code sinkscope.model} and its shared folders and DJL only.
 */
package sinkscope.model.llava;
