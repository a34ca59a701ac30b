package sinkscope.cli;

import java.util.List;
import picocli.CommandLine.Option;
import sinkscope.model.ModelConfig;
import sinkscope.sink.VarParams;

/**
 * VAR's parameters as flags (a picocli mixin): a preset of {@code conf/interventions/var.json}, each parameter over it, the sink
 * dimensions. A flag not given keeps the preset's value.
 */
public final class VarFlags {
    @Option(names = "--sink-dims", paramLabel = "INT", order = 60, split = ",",
            description = "sink dimensions D_sink (default: the known dims of the model's LLM, conf/sink_dims.json)")
    List<Integer> sinkDims;
    @Option(names = "--preset", paramLabel = "NAME", order = 61, description = "VAR preset of conf/interventions/var.json, e.g. hallucination, official (default: hallucination; var-replay: official)")
    String preset;
    @Option(names = "--tau", paramLabel = "NUM", order = 62, description = "sink threshold, phi > tau (default: the preset's)")
    Double tau;
    @Option(names = "--tau-relative", paramLabel = "NUM", order = 63, description = "tau as a fraction of sqrt(hidden); 0.3125 is the paper's 20 at hidden 4096")
    Double tauRelative;
    @Option(names = "--rho", paramLabel = "NUM", order = 64, description = "HeadFork: most visual-sink share of a head's image attention (default: the preset's)")
    Double rho;
    @Option(names = "--summ", paramLabel = "NUM", order = 65, description = "HeadFork: least image attention of an image-centric head (default: the preset's)")
    Double summ;
    @Option(names = "--p", paramLabel = "NUM", order = 66, description = "VAR: fraction of the sink attention kept (default: the preset's)")
    Double p;
    @Option(names = "--except-last-layer", paramLabel = "BOOL", order = 67, arity = "0..1", description = "skip the last layer (default: the preset's)")
    Boolean exceptLastLayer;
    @Option(names = "--head-rule", paramLabel = "official|paper", order = 68, description = "HeadFork's rule: the released code's or the paper's wording (default: the preset's)")
    String headRule;

    /** Whether any of these flags was given. */
    boolean given() {
        return sinkDims != null || preset != null || tau != null || tauRelative != null || rho != null || summ != null || p != null
                || exceptLastLayer != null || headRule != null;
    }

    /** {@code --sink-dims}, or null. */
    int[] dims() {
        return sinkDims == null ? null : sinkDims.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The preset ({@code fallback} when --preset is absent) with each given flag over it; tau relative to {@code hiddenSize} with --tau-relative. */
    VarParams over(VarParams fallback, int[] dims, int hiddenSize) {
        VarParams b = preset == null ? fallback : VarParams.preset(preset, dims);
        VarParams v = new VarParams(tau != null ? tau : b.tau(), rho != null ? rho : b.rho(), summ != null ? summ : b.summ(), p != null ? p : b.p(),
                exceptLastLayer != null ? exceptLastLayer : b.exceptLastLayer(), dims,
                headRule != null ? VarParams.HeadRule.parse(headRule) : b.headRule(), b.sinkLayersFrom());
        return tauRelative == null ? v : v.withRelativeTau(tauRelative, hiddenSize);
    }

    /**
     * VAR parameters of a model command: the hallucination preset unless --preset names another; sink dims from
     * {@code --sink-dims}, else the known dims of the checkpoint's LLM. Warns when tau cannot fire at this hidden size.
     */
    VarParams params(ModelConfig config) {
        int[] dims = dims();
        if (dims == null) {
            dims = sinkscope.sink.KnownSinkDims.forModel(config.text().nameOrPath(), config.text().hiddenSize())
                    .map(sinkscope.sink.KnownSinkDims.Match::dims)
                    .orElseThrow(() -> new UsageException("no known sink dimensions for this model: give --sink-dims a,b (see sink-dims)"));
        }
        int hidden = config.text().hiddenSize();
        VarParams v = over(preset == null ? VarParams.preset("hallucination", dims) : null, dims, hidden);
        if (!v.tauReachable(hidden)) {
            System.err.printf("warning: tau %.3f can never fire at hidden size %d (phi <= sqrt(D) = %.2f); use --tau-relative 0.3125 for the paper's"
                    + " threshold relative to sqrt(D)%n", v.tau(), hidden, Math.sqrt(hidden));
        }
        return v;
    }
}
