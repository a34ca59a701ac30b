package sinkscope.cli;

import ai.djl.ndarray.NDManager;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import sinkscope.bench.ForwardBench;
import sinkscope.bench.MethodBench;
import sinkscope.intervention.Context;
import sinkscope.intervention.Intervention;
import sinkscope.intervention.Interventions;
import sinkscope.intervention.Settings;
import sinkscope.model.AttentionHook;
import sinkscope.model.auto.DecoderShape;
import sinkscope.model.auto.Families;
import sinkscope.model.Torch;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/**
 * {@code bench-forward}: prefill FLOP/s against bare GEMMs, capture overhead (and VAR overhead with {@code --var}, every
 * registered intervention's generation time over the bare one with {@code --interventions}).
 */
@Command(name = "bench-forward", mixinStandardHelpOptions = true, sortOptions = false,
        description = "benchmark: prefill vs bare GEMM, capture on/off, VAR on/off (--var), on a random decoder of the given shape")
final class BenchForwardCommand implements Callable<Integer> {
    // each family's default shape is its Family.benchShape (model/auto): its reference release's decoder width and
    // the image tokens of its typical prompt
    @Option(names = "--family", paramLabel = "MODEL_TYPE", order = 1, defaultValue = "llava",
            description = "the family whose random model is timed, as config.json's model_type names it (any supported one); the defaults below are "
                    + "its reference release's decoder width and its typical prompt's image tokens (docs/families.md) (default: ${DEFAULT-VALUE})")
    String family;
    @Option(names = "--hidden", paramLabel = "INT", order = 2, description = "hidden size (default: the family's)")
    Integer hidden;
    @Option(names = "--heads", paramLabel = "INT", order = 3, description = "attention heads (default: the family's)")
    Integer heads;
    @Option(names = "--kv-heads", paramLabel = "INT", order = 4, description = "key/value heads (default: the family's)")
    Integer kvHeads;
    @Option(names = "--layers", paramLabel = "INT", order = 5, defaultValue = "8", description = "decoder layers (default: ${DEFAULT-VALUE})")
    int layers;
    @Option(names = "--intermediate", paramLabel = "INT", order = 6, description = "MLP size (default: the family's)")
    Integer intermediate;
    @Option(names = "--vocab", paramLabel = "INT", order = 7, description = "vocabulary (default: the family's)")
    Integer vocab;
    @Option(names = "--image-tokens", paramLabel = "INT", order = 8, description = "image tokens (default: the family's)")
    Integer imageTokens;
    @Option(names = "--text-tokens", paramLabel = "INT", order = 9, defaultValue = "40", description = "text tokens (default: ${DEFAULT-VALUE})")
    int textTokens;
    @Option(names = "--runs", paramLabel = "INT", order = 10, defaultValue = "15", description = "timed runs per variant (default: ${DEFAULT-VALUE})")
    int runs;
    @Option(names = "--warmup", paramLabel = "INT", order = 11, defaultValue = "1", description = "untimed runs first (default: ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--decode-steps", paramLabel = "INT", order = 12, defaultValue = "16", description = "decode steps timed (default: ${DEFAULT-VALUE})")
    int decodeSteps;
    @Option(names = "--var", paramLabel = "BOOL", order = 13, arity = "0..1", defaultValue = "false", description = "also time VAR's hook (default: ${DEFAULT-VALUE})")
    boolean var;
    @Option(names = "--interventions", paramLabel = "BOOL", order = 14, arity = "0..1", defaultValue = "false",
            description = "also time every registered intervention with its defaults, each in lockstep with the bare generation, and those with a second input per sample (pai, vcd) end to end, alone and batched (--family llava) (default: ${DEFAULT-VALUE})")
    boolean interventions;
    @Option(names = "--tau", paramLabel = "NUM", order = 15, defaultValue = "2.5",
            description = "VAR's tau on the random model (2.5 on two dims makes ~2%% of tokens sinks) (default: ${DEFAULT-VALUE})")
    double tau;
    @Mixin
    DeviceFlags deviceFlags;

    @Override
    public Integer call() {
        deviceFlags.configureThreads();
        DecoderShape d;
        try {
            d = Families.named(family).benchShape(layers, 0);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--family: " + e.getMessage());
        }
        ForwardBench.Settings s = new ForwardBench.Settings(or(hidden, d.hidden()), or(heads, d.heads()), or(kvHeads, d.kvHeads()), layers,
                or(intermediate, d.intermediate()), or(vocab, d.vocab()), or(imageTokens, d.imageTokens()), textTokens, runs, warmup, decodeSteps, family);
        ai.djl.Device device = deviceFlags.device();
        ai.djl.ndarray.types.DataType dtype = deviceFlags.dtype(device);
        Map<String, Supplier<AttentionHook>> hooks = new LinkedHashMap<>();
        List<MethodBench.Method> methods = new ArrayList<>();
        try (NDManager varManager = NDManager.newBaseManager(device)) {
            if (var) {
                // Random hidden states have |x_d|/RMS ~ |N(0,1)|: tau 2.5 on two dims makes ~2%% of tokens sinks, and the
                // near-uniform attention of a random model passes HeadFork, so VAR rewrites most rows (its costliest path).
                VarParams params = VarParams.official(new int[] {0, 1}).withTau(tau);
                hooks.put("var", () -> new VarHook(varManager, params, false));
                hooks.put("var_recording", () -> new VarHook(varManager, params, true));
            }
            if (interventions) {
                // each registered method as evaluate runs it (defaults of conf/interventions, layers scaled to --layers)
                Context context = new Context(varManager, layers, new int[] {0, 1}, tau, "bench");
                for (Intervention i : Interventions.ALL) {
                    Settings settings = Interventions.settings(i, i.name(), Map.of());
                    try {
                        i.check(settings, layers);
                    } catch (IllegalArgumentException e) { // e.g. VAF's middle layers on a 2-layer decoder
                        System.out.println(i.name() + ": not timed: " + e.getMessage());
                        continue;
                    }
                    if (i.hook(settings, context) != null) {
                        hooks.putIfAbsent(i.name(), () -> i.hook(settings, context));
                    }
                    if (i.extraPassesPerToken(settings) > 0) { // a second input per sample: timed end to end
                        methods.add(new MethodBench.Method(i, settings, tau));
                    }
                }
            }
            new ForwardBench(s, device, dtype, System.out).run(hooks, methods);
        }
        return Main.OK;
    }

    private static int or(Integer given, int fallback) {
        return given != null ? given : fallback;
    }
}
