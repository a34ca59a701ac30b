/**
 * LLaVA-NeXT (LLaVA-1.6, llava-hf {@code llava_next}): anyres image processing ({@link
 * sinkscope.model.llavanext.LlavaNextImageProcessor}, {@link sinkscope.model.llavanext.AnyresGeometry}), the
 * {@code spatial_unpad} feature packing with {@code image_newline}, and the LLaMA/Vicuna or Mistral decoder. The CLIP
 * tower, projector, tokenizer, CLIP preprocessor config and common config fields come from the shared folder
 * {@code sinkscope.model.clip}, as LLaVA-NeXT builds on LLaVA-1.5; it imports no other family.
 */
package sinkscope.model.llavanext;
