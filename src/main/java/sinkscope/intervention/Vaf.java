package sinkscope.intervention;

import ai.djl.ndarray.NDArray;
import java.util.List;
import sinkscope.model.AttentionHook;
import sinkscope.model.ForwardStep;
import sinkscope.model.Torch;

/**
 * VAF, ClearSight's visual amplification fusion (Yin et al., CVPR 2025; {@code ustc-hyin/ClearSight},
 * {@code visaug/inference/AttnAdapter.py}, layers chosen in {@code infer_pope.py}): in layers [start, end), the
 * pre-softmax scores on the image keys are multiplied by {@code enh} and those on the system-prompt keys (every key
 * before the image) by {@code sup}. As the adapter does: in a pass longer than system prompt plus image (the prefill)
 * only the query rows after the image are scaled; in a shorter pass (a decode step) every row is.
 *
 * <p>Defaults as {@code infer_pope.sh}: enh 1.15, sup 0.95, layers 9..14 of 32 ({@code i > 8 and i < 15}: start 9,
 * end 15, scaled to other depths). The adapter scales before adding the mask; the keys it scales lie in the causal past
 * of every row it scales, so scaling after the mask, where this seam is, gives the same scores.
 */
final class Vaf extends Named {
    Vaf() {
        super("vaf", "VAF (ClearSight): pre-softmax scores on image keys x enh, on system-prompt keys x sup, in the middle layers (ustc-hyin/ClearSight AttnAdapter.py)",
                List.of(Parameter.number("enh", 0, 1e6, "factor on the image keys' scores (enh_para)"),
                        Parameter.number("sup", 0, 1e6, "factor on the system-prompt keys' scores (sup_para)"),
                        Parameter.layerBoundary("start", "first adapted layer (9 of 32)"),
                        Parameter.layerBoundary("end", "one past the last adapted layer (15 of 32)")));
    }

    @Override
    public void check(Settings s, int numLayers) {
        s.layerRange("start", "end", numLayers);
    }

    @Override
    public AttentionHook hook(Settings s, Context c) {
        int[] range = s.layerRange("start", "end", c.numLayers());
        return new Hook((float) s.value("enh"), (float) s.value("sup"), range[0], range[1]);
    }

    /** The scaling itself, in place on the scores. */
    static final class Hook extends ScoreEdit {
        private final float enh;
        private final float sup;

        Hook(float enh, float sup, int start, int end) {
            super(start, end);
            this.enh = enh;
            this.sup = sup;
        }

        @Override
        void edit(NDArray s, ForwardStep step) {
            long q = s.getShape().get(2);
            // AttnAdapter: q_len > SYS_LEN + IMG_LEN edits rows SYS_LEN + IMG_LEN.. only, else every row
            long from = q > step.imageEnd() ? step.imageEnd() - step.queryStart() : 0;
            try (NDArray rows = Torch.narrow(s, 2, from, q); NDArray image = Torch.narrow(rows, 3, step.imageStart(), step.imageEnd())) {
                image.muli(enh);
                if (step.imageStart() > 0) {
                    try (NDArray system = Torch.narrow(rows, 3, 0, step.imageStart())) {
                        system.muli(sup);
                    }
                }
            }
        }
    }
}
