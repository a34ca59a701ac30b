package sinkscope.intervention;

import java.util.List;
import sinkscope.model.AttentionHook;

/**
 * OPERA, over-trust penalty and retrospection-rollback (Huang et al., CVPR 2024; {@code shikiw/OPERA}
 * {@code opera_beam_search} in its transformers-4.29.2 {@code generation/utils.py}): beam search whose candidates are
 * penalised by the column-wise over-trust scores of the last layer's attention over the response, rolling back to an
 * over-trusted position ({@link sinkscope.model.decoding.Opera}, run by {@code sinkscope.model.OperaDecoder}).
 * Defaults ({@code conf/interventions/opera.json}) as {@code chair_eval.py} for LLaVA-1.5: beams 5, candidates N 5,
 * sigma 50, alpha 1, threshold r 15, window 512; the last layer whatever the depth. No attention edit: the next-token
 * choice is the whole method.
 */
final class Opera extends Named {
    Opera() {
        super("opera", "OPERA: beam search with the over-trust penalty from the last layer's attention and retrospection-rollback (shikiw/OPERA opera_beam_search)",
                List.of(new Parameter("beams", 1, 1000, true, false, null, "num_beams (5)"),
                        new Parameter("candidates", 1, 1000, true, false, null, "num_attn_candidates N: top-N logits scored per beam (5)"),
                        Parameter.number("sigma", 0, 1e6, "scale_factor on the attention before the column products (50; > 0)"),
                        Parameter.number("alpha", 0, 1e6, "penalty_weights (1)"),
                        new Parameter("threshold", 1, 1e6, true, false, null, "r: a location rolls back after winning more than r times in every beam (15)"),
                        new Parameter("window", 2, 1e6, true, false, null, "window_size: states kept for rollback (512)")));
    }

    @Override
    public void check(Settings s, int numLayers) {
        settings(s);
    }

    @Override
    public AttentionHook hook(Settings s, Context c) {
        return null;
    }

    @Override
    public NextToken nextToken(Settings s, Context c) {
        return NextToken.opera(settings(s));
    }

    /** Beams x (1 + N) passes of one row per step, the baseline's one pass per token subtracted. */
    @Override
    public int extraPassesPerToken(Settings s) {
        return (int) (s.value("beams") * (1 + s.value("candidates"))) - 1;
    }

    private static sinkscope.model.decoding.Opera settings(Settings s) {
        try {
            return new sinkscope.model.decoding.Opera((int) s.value("beams"), (int) s.value("candidates"), s.value("sigma"), s.value("alpha"),
                    (int) s.value("threshold"), (int) s.value("window"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(s.config() + ": " + e.getMessage().replaceFirst("^opera: ", ""), e);
        }
    }
}
