package sinkscope.intervention;

import java.util.List;
import sinkscope.model.AttentionHook;
import sinkscope.model.Contrast;
import sinkscope.model.decoding.Draws;

/**
 * VCD, visual contrastive decoding (Leng et al., CVPR 2024; {@code DAMO-NLP-SG/VCD} after its July-2024 fix of the
 * contrast branch's KV cache; {@link sinkscope.model.decoding.Vcd}): every step's logits become
 * {@code (1 + alpha) l - alpha l'} against the same prompt with the processed image diffusion-noised at step
 * {@code noise} of the code's 1000-step schedule ({@code vcd_add_noise.py}, applied to the pixel values before the
 * vision tower), tokens with {@code l < log(beta) + max(l)} cut off; then the decoding mode. Defaults
 * ({@code conf/interventions/vcd.json}) as the LLaVA-1.5 POPE script: alpha 1, beta 0.2, noise step 500, sampling
 * with no warper (temperature 1, top-p 1, top-k off); {@code decodinggreedy} offers greedy. No attention edit.
 *
 * <p>Draws: the noise from {@code Draws.seeded(~seed)}, sampling from {@code seed}, the sample's
 * {@link Context#seed} (the official script draws both from torch's one global stream, seeded once per run).
 */
final class Vcd extends Named {
    private static final List<Parameter> PARAMETERS = DecodingChoice.after(
            Parameter.number("alpha", 0, 1e6, "contrast weight cd_alpha: (1 + alpha) l - alpha l'"),
            Parameter.number("beta", 0, 1, "adaptive plausibility cd_beta: tokens with p < beta max p cut off (in (0, 1])"),
            new Parameter("noise", 0, 999, true, false, null, "diffusion noise step of the 1000-step schedule (500)"));

    Vcd() {
        super("vcd", "VCD: logits contrasted with the same prompt on a diffusion-noised image, plausibility cutoff beta (DAMO-NLP-SG/VCD vcd_sample.py)",
                PARAMETERS);
    }

    @Override
    public void check(Settings s, int numLayers) {
        if (!(s.value("beta") > 0)) {
            throw new IllegalArgumentException(s.config() + ": beta must be in (0, 1], got " + Parameter.plain(s.value("beta")));
        }
        DecodingChoice.check(s);
    }

    @Override
    public AttentionHook hook(Settings s, Context c) {
        return null;
    }

    @Override
    public NextToken nextToken(Settings s, Context c) {
        sinkscope.model.decoding.Vcd rule = new sinkscope.model.decoding.Vcd(s.value("alpha"), s.value("beta"));
        return new NextToken(DecodingChoice.decoding(s, c.seed()), Contrast.vcd(c.manager(), c.inputs(), rule, (int) s.value("noise"), noiseDraws(c.seed())));
    }

    /** The noise's source for a sample of seed {@code seed}. */
    static Draws noiseDraws(long seed) {
        return Draws.seeded(~seed);
    }

    /** The noised image's full pass per token. */
    @Override
    public int extraPassesPerToken(Settings s) {
        return 1;
    }
}
