/**
 * What the Qwen-VL families (Qwen2-VL / Qwen2.5-VL and Qwen3-VL) share and no other family needs: the dynamic-resolution
 * image processor (smart resize, merge-block patch order), the vision blocks' 2-D rotary attention, the prompt with its
 * expanded {@code <|image_pad|>} run, the merge and the multimodal position ids. Not a family itself: the families'
 * folders import it; it imports no family.
 */
package sinkscope.model.qwenvl;
