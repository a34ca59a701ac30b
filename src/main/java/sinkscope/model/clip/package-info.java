/**
 * What the CLIP-tower families (LLaVA-1.5 and LLaVA-NeXT) share and no other family needs: the CLIP vision tower and
 * its config, CLIP's image processor (crop and pad) and its {@code preprocessor_config.json}, LLaVA's two-layer
 * projector, the tokenizer that keeps {@code <image>} as one token, and the llava-hf config fields both read
 * ({@link sinkscope.model.clip.ClipLmmConfig}). Not a family itself: the families' folders import it; it imports no
 * family. Depends on {@code sinkscope.model} and DJL only.
 */
package sinkscope.model.clip;
