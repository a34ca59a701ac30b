package sinkscope.model.decoding;

import ai.djl.ndarray.NDArray;

/**
 * PAI's guidance against the text-only prompt (Liu et al., ECCV 2024), as {@code LALBJ/PAI}'s {@code CFG.py}
 * ({@code CFGLogits.__call__}) computes it, a transformers logits processor: {@code s = log_softmax(l)},
 * {@code u = log_softmax(l')} of the unconditional input (the prompt with the image removed, {@code bos + before +
 * after}, {@code model_loader.init_cfg_processor}, with its own KV cache fed the same generated tokens);
 * {@code gamma * (s - u) + u}, with every token where {@code s < log(0.1) + max(s)} set to {@code -inf}; at
 * {@code gamma == 1} the code returns {@code s} (the contrast logits are then unused). Defaults of
 * {@code pope_eval.py}: gamma 2 ({@code --gamma}), greedy ({@code --beam 1}, no {@code --sample}).
 *
 * <p>Code, not paper, in two places the lead's registry keeps: with the attention part on, the main branch's first
 * pass (the prefill, which picks the first token) is not amplified (the layers' {@code use_cfg} flag is still set
 * then); the unconditional pass is never amplified. And under beam search the unconditional cache is not reordered
 * with the beams ({@code Contrast.followsBeams} false): {@code CFGLogits} keeps its own {@code past_key_values}.
 *
 * @param gamma the guidance scale ({@code >= 0})
 */
public record PaiGuidance(double gamma) implements LogitsRule {

    /** {@code pope_eval.py}'s default. */
    public static final PaiGuidance OFFICIAL = new PaiGuidance(2);

    public PaiGuidance {
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("pai: gamma must be a finite number >= 0, got " + gamma);
        }
    }

    @Override
    public NDArray apply(NDArray main, NDArray contrast) {
        NDArray s = main.logSoftmax(-1);
        if (gamma == 1) {
            return s;
        }
        try (s; NDArray u = contrast.logSoftmax(-1)) {
            return guide(s, u);
        }
    }

    /** The guidance on log-probabilities: {@code gamma * (s - u) + u}, {@code -inf} where {@code s < log(0.1) + max(s)}. */
    public NDArray guide(NDArray s, NDArray u) {
        try (NDArray d = s.sub(u); NDArray g = d.mul((float) gamma); NDArray out = g.add(u)) {
            return LogitsRule.plausible(out, s, 0.1);
        }
    }

    @Override
    public boolean processor() {
        return true;
    }
}
