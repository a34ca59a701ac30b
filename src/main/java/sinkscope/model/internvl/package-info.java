/**
 * InternVL2.5/3/3.5 in the Hugging Face "-hf" layout ({@code model_type} {@code internvl}): config, the aspect-ratio
 * tiling image processor, InternViT, pixel shuffle and projector, the {@code <img><IMG_CONTEXT>...</img>} expansion; the
 * decoder is the shared one (Qwen2, Qwen3 or LLaMA). Depends on {@code sinkscope.model} only.
 */
package sinkscope.model.internvl;
