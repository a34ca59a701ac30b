/**
 * LLaVA-NeXT (LLaVA-1.6, llava-hf {@code llava_next}): anyres image processing ({@link
 * sinkscope.model.llavanext.LlavaNextImageProcessor}, {@link sinkscope.model.llavanext.AnyresGeometry}), the
 * {@code spatial_unpad} feature packing with {@code image_newline}, and the LLaMA/Vicuna or Mistral decoder. It builds
 * on {@code sinkscope.model.llava} (CLIP tower, projector, tokenizer, CLIP preprocessor config), as LLaVA-NeXT builds
 * on LLaVA-1.5: the one family that imports another.
 */
package sinkscope.model.llavanext;
