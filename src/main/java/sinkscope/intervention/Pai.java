package sinkscope.intervention;

import ai.djl.ndarray.NDArray;
import java.util.List;
import sinkscope.model.AttentionHook;
import sinkscope.model.Contrast;
import sinkscope.model.ForwardStep;
import sinkscope.model.Torch;
import sinkscope.model.decoding.Decoding;
import sinkscope.model.decoding.PaiGuidance;

/**
 * PAI (Liu et al., ECCV 2024; {@code LALBJ/PAI}), both parts as {@code pope_eval.py} runs them:
 *
 * <ul>
 *   <li>attention ({@code attention.py}, {@code llama_new_forward}): in layers [start, end), after the mask and before
 *       softmax, the last query row's scores on the image keys become {@code a + alpha |a|}, for every head;
 *   <li>guidance ({@code CFG.py}, {@link PaiGuidance}): {@code gamma * (s - u) + u} on log-probabilities against the
 *       text-only prompt (the prompt without its image ids, {@link sinkscope.model.ModelConfig#imageTokenIds}; its own
 *       KV cache, fed the same tokens, never amplified), tokens with {@code s < log(0.1) + max(s)} cut off.
 * </ul>
 * Defaults ({@code conf/interventions/pai.json}): alpha 0.2, layers 2..31 of 32 (scaled to other depths), gamma 2
 * (argparse; the README commands use 1.1), guidance on, greedy.
 *
 * <p>The first token, as the code: {@code llama_modify} sets {@code use_cfg} on the patched layers and a layer with
 * {@code use_cfg} does not amplify, so with guidance on the prefill (which picks the first token) is not amplified,
 * and with attention only ({@code guidance0}) it is; with guidance on and {@code gamma == 1} {@code CFGLogits} returns
 * before resetting the flag, so no token is ever amplified. {@code first} (1: amplify the prefill, 0: do not) overrides
 * the code's choice (the paper's variant: {@code first1}).
 */
final class Pai extends Named {
    private static final List<Parameter> PARAMETERS = DecodingChoice.after(
            Parameter.number("alpha", 0, 1e6, "amplification: a + alpha |a| on the last row's image scores"),
            Parameter.layerBoundary("start", "first amplified layer (2 of 32)"),
            Parameter.layerBoundary("end", "one past the last amplified layer (32 of 32)"),
            Parameter.flag("first", "1: amplify the prefill (the first token) too; 0: from the second token on")
                    .optional("as the code: not amplified with guidance on, amplified with attention only"),
            Parameter.number("gamma", 0, 1e6, "guidance scale: gamma (s - u) + u against the text-only prompt"),
            Parameter.flag("guidance", "1: guidance against the text-only prompt (a second input); 0: attention only"));

    Pai() {
        super("pai", "PAI: last query row's pre-softmax image scores a + alpha |a|, and guidance against the text-only prompt (LALBJ/PAI attention.py, CFG.py)",
                PARAMETERS);
    }

    @Override
    public void check(Settings s, int numLayers) {
        s.layerRange("start", "end", numLayers);
        DecodingChoice.check(s);
    }

    private static boolean guided(Settings s) {
        return s.value("guidance") == 1;
    }

    @Override
    public AttentionHook hook(Settings s, Context c) {
        int[] range = s.layerRange("start", "end", c.numLayers());
        if (!s.has("first") && guided(s) && s.value("gamma") == 1) {
            return null; // CFGLogits' early return leaves use_cfg set: nothing is amplified
        }
        boolean first = s.has("first") ? s.value("first") == 1 : !guided(s);
        return new Hook((float) s.value("alpha"), range[0], range[1], first);
    }

    @Override
    public NextToken nextToken(Settings s, Context c) {
        Decoding decoding = DecodingChoice.decoding(s, c.seed());
        if (extraPassesPerToken(s) == 0) {
            return decoding == Decoding.GREEDY ? null : new NextToken(decoding, null);
        }
        if (c.imageTokenIds().length == 0) {
            throw new IllegalArgumentException(s.config() + ": guidance needs the model's image token ids for the text-only prompt; this family "
                    + "declares none (use guidance0)");
        }
        return new NextToken(decoding, Contrast.pai(c.inputs(), new PaiGuidance(s.value("gamma")), c.imageTokenIds()));
    }

    /** The text-only pass per token, with guidance on ({@code gamma == 1} returns the conditional scores: no pass). */
    @Override
    public int extraPassesPerToken(Settings s) {
        return guided(s) && s.value("gamma") != 1 ? 1 : 0;
    }

    /** The amplification itself, in place on the scores. */
    static final class Hook extends ScoreEdit {
        private final float alpha;
        private final boolean first;

        Hook(float alpha, int start, int end, boolean first) {
            super(start, end);
            this.alpha = alpha;
            this.first = first;
        }

        @Override
        void edit(NDArray s, ForwardStep step) {
            if (step.isPrefill() && !first) {
                return;
            }
            long q = s.getShape().get(2);
            try (NDArray row = Torch.narrow(s, 2, q - 1, q); NDArray image = Torch.narrow(row, 3, step.imageStart(), step.imageEnd());
                    NDArray gain = image.abs()) {
                image.addi(gain.muli(alpha));
            }
        }
    }
}
