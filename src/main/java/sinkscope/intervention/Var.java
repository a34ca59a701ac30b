package sinkscope.intervention;

import java.util.List;
import sinkscope.model.AttentionHook;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/**
 * VAR (Kang et al., ICLR 2025; {@code golden/var-unit-a/SPEC.md}): in image-centric heads keep fraction {@code p} of
 * the attention on sink tokens and hand the rest to the non-sink image tokens in proportion ({@link VarHook}).
 * Parameters: {@code p}, {@code rho}, {@code summ} (HeadFork, the released code's rule), {@code tau} (absolute sink
 * threshold; absent: the run's), {@code from} (sink detection and VAR from this layer on) and {@code last} (1: VAR also
 * rewrites the last layer).
 */
final class Var extends Named {
    private static final List<Parameter> PARAMETERS = List.of(
            Parameter.number("p", 0, 1, "fraction of the sink attention VAR keeps"),
            Parameter.number("rho", 0, 1, "HeadFork: most visual-sink share of a head's image attention"),
            Parameter.number("summ", 0, 1, "HeadFork: least image attention of an image-centric row"),
            new Parameter("tau", Double.MIN_VALUE, Double.MAX_VALUE, false, false, null, "absolute sink threshold, phi > tau")
                    .optional("the run's sink threshold (--tau; 0.3125 sqrt(D) by default, the paper's 20 at D = 4096)"),
            new Parameter("from", 0, Double.MAX_VALUE, true, false, null, "sink detection and VAR from this layer on (the paper's 2)"),
            Parameter.flag("last", "1: VAR also rewrites the last layer; 0: it skips it"));

    Var() {
        super("var", "VAR: sink attention of image-centric heads handed to the non-sink image tokens after softmax (Kang et al., ICLR 2025)",
                PARAMETERS);
    }

    @Override
    public void check(Settings s, int numLayers) {
        if (s.value("from") >= numLayers) {
            throw new IllegalArgumentException(s.config() + ": from = " + Parameter.plain(s.value("from")) + " is outside the model's "
                    + numLayers + " layers (0.." + (numLayers - 1) + ")");
        }
    }

    @Override
    public AttentionHook hook(Settings s, Context c) {
        double tau = Double.isNaN(s.value("tau")) ? c.tau() : s.value("tau");
        VarParams params = new VarParams(tau, s.value("rho"), s.value("summ"), s.value("p"), s.value("last") == 0, c.sinkDims(),
                VarParams.HeadRule.OFFICIAL, (int) s.value("from"));
        return new VarHook(c.manager(), params, false);
    }
}
