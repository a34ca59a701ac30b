/**
 * Training the reference model: a small LLaVA-1.5-architecture model (CLIP-style ViT, {@code mlp2x_gelu}
 * projector, LLaMA decoder) trained from scratch on the synthetic POPE benchmark with DJL's training API
 * (PyTorch autograd through the {@code model} runtime), its word-level tokenizer, and the llava-hf checkpoint
 * layout it is saved in; stages: language pretraining of the decoder on a synthetic language ({@code TextPretraining}),
 * vision pretraining, visual instruction tuning or projector-only alignment (optionally towards the patch words of
 * the scene texts, {@code PatchWordTarget}), an optional fine-tune of the upper layers
 * with language replay; {@code SinkProbe} measures the trained model's sinks. Depends on
 * {@code model}, {@code data} and {@code eval}; no Spark.
 */
package sinkscope.train;
