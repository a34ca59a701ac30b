package sinkscope.intervention;

import ai.djl.ndarray.NDArray;
import java.util.List;
import sinkscope.model.AttentionHook;
import sinkscope.model.ForwardStep;
import sinkscope.model.Torch;

/**
 * PAI's attention amplification (Liu et al., ECCV 2024; {@code LALBJ/PAI}, {@code attention.py},
 * {@code llama_new_forward}): in layers [start, end), after the mask and before softmax, the last query row's scores on
 * the image keys become {@code a + alpha |a|}, for every head, at prefill and at every decode step.
 *
 * <p>Defaults as {@code pope_eval.py}/{@code chair_eval.py}: alpha 0.2, layers 2..31 of 32 (start 2, end 32, scaled
 * to other depths). The first token: {@code llama_modify} sets {@code use_cfg} on the patched layers, and a layer with
 * {@code use_cfg} does not amplify, so with PAI's guidance on (its published setting) the prefill, which chooses the
 * first token, is not amplified, while the code run with attention only ({@code --use-attn} alone) amplifies it.
 * {@code first} (1: amplify the prefill, 0: do not) switches between the two; its default follows the code as run
 * here, where the guidance part is not wired into this intervention.
 */
final class PaiAttention implements Intervention {
    private static final List<Parameter> PARAMETERS = List.of(
            Parameter.number("alpha", 0, 1e6, "amplification: a + alpha |a| on the last row's image scores"),
            Parameter.layerBoundary("start", "first amplified layer (2 of 32)"),
            Parameter.layerBoundary("end", "one past the last amplified layer (32 of 32)"),
            Parameter.flag("first", "1: amplify the prefill (the first token) too; 0: from the second token on"));

    @Override
    public String name() {
        return "pai";
    }

    @Override
    public String summary() {
        return "PAI: the last query row's pre-softmax scores on image keys become a + alpha |a| (LALBJ/PAI attention.py)";
    }

    @Override
    public List<Parameter> parameters() {
        return PARAMETERS;
    }

    @Override
    public void check(Settings s, int numLayers) {
        s.layerRange("start", "end", numLayers);
    }

    @Override
    public AttentionHook hook(Settings s, Context c) {
        int[] range = s.layerRange("start", "end", c.numLayers());
        return new Hook((float) s.value("alpha"), range[0], range[1], s.value("first") == 1);
    }

    /** The edit itself, in place on the scores. */
    static final class Hook implements AttentionHook {
        private final float alpha;
        private final int start;
        private final int end;
        private final boolean first;

        Hook(float alpha, int start, int end, boolean first) {
            this.alpha = alpha;
            this.start = start;
            this.end = end;
            this.first = first;
        }

        @Override
        public boolean editsScores() {
            return true;
        }

        @Override
        public NDArray onScores(int layer, NDArray s, ForwardStep step) {
            if (layer < start || layer >= end || !step.hasImage() || (step.isPrefill() && !first)) {
                return s;
            }
            long q = s.getShape().get(2);
            try (NDArray row = Torch.narrow(s, 2, q - 1, q); NDArray image = Torch.narrow(row, 3, step.imageStart(), step.imageEnd());
                    NDArray gain = image.abs()) {
                image.addi(gain.muli(alpha));
            }
            return s;
        }
    }
}
