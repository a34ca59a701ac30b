/**
 * The next-token choice, at the logits level and model-agnostic (NDArray in, token ids out): decoding modes
 * ({@link sinkscope.model.decoding.Decoding}: greedy, seeded sampling with Hugging Face's warpers, beam search as
 * transformers 5 runs it), the random source that can replay recorded draws ({@link sinkscope.model.decoding.Draws}),
 * and the rules that combine a sample's logits with those of its second, contrast input
 * ({@link sinkscope.model.decoding.LogitsRule}: VCD's contrast, PAI's guidance), plus VCD's diffusion noise, and
 * OPERA's parameters and penalty arithmetic ({@link sinkscope.model.decoding.Opera}) with the transformers 4.29 beam
 * scorer its loop drives ({@link sinkscope.model.decoding.LegacyBeamScorer}).
 * The loops that run the model live in {@link sinkscope.model.Generation}.
 *
 * <p>Depends on DJL and the JDK only.
 */
package sinkscope.model.decoding;
