package sinkscope.cli;

import ai.djl.ndarray.NDManager;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import sinkscope.bench.ForwardBench;
import sinkscope.intervention.Context;
import sinkscope.intervention.Intervention;
import sinkscope.intervention.Interventions;
import sinkscope.intervention.Settings;
import sinkscope.model.AttentionHook;
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
    // --family qwen2_vl: Qwen2-VL-2B's decoder width (1536 hidden, 12 heads, 2 kv heads, 8960 MLP) and a 1000 x 1000
    // image (smart_resize to 1008 x 1008: 36 x 36 = 1296 merged tokens); llava: the LLaVA-1.5 benchmark shape
    @Option(names = "--family", paramLabel = "llava|qwen2_vl", order = 1, defaultValue = "llava",
            description = "the shape's defaults: llava (LLaVA-1.5, 576 image tokens) or qwen2_vl (Qwen2-VL-2B width, 1296 image tokens) (default: ${DEFAULT-VALUE})")
    String family;
    @Option(names = "--hidden", paramLabel = "INT", order = 2, description = "hidden size (default: llava 1024, qwen2_vl 1536)")
    Integer hidden;
    @Option(names = "--heads", paramLabel = "INT", order = 3, description = "attention heads (default: llava 16, qwen2_vl 12)")
    Integer heads;
    @Option(names = "--kv-heads", paramLabel = "INT", order = 4, description = "key/value heads (default: llava 16, qwen2_vl 2)")
    Integer kvHeads;
    @Option(names = "--layers", paramLabel = "INT", order = 5, defaultValue = "8", description = "decoder layers (default: ${DEFAULT-VALUE})")
    int layers;
    @Option(names = "--intermediate", paramLabel = "INT", order = 6, description = "MLP size (default: llava 2816, qwen2_vl 8960)")
    Integer intermediate;
    @Option(names = "--vocab", paramLabel = "INT", order = 7, description = "vocabulary (default: llava 32000, qwen2_vl 151936)")
    Integer vocab;
    @Option(names = "--image-tokens", paramLabel = "INT", order = 8, description = "image tokens (default: llava 576, qwen2_vl 1296)")
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
            description = "also time every registered intervention with its defaults, each in lockstep with the bare generation (default: ${DEFAULT-VALUE})")
    boolean interventions;
    @Option(names = "--tau", paramLabel = "NUM", order = 15, defaultValue = "2.5",
            description = "VAR's tau on the random model (2.5 on two dims makes ~2%% of tokens sinks) (default: ${DEFAULT-VALUE})")
    double tau;
    @Mixin
    DeviceFlags deviceFlags;

    @Override
    public Integer call() {
        deviceFlags.configureThreads();
        boolean qwen = family.equals("qwen2_vl");
        ForwardBench.Settings s = new ForwardBench.Settings(
                or(hidden, qwen ? 1536 : 1024), or(heads, qwen ? 12 : 16), or(kvHeads, qwen ? 2 : 16), layers, or(intermediate, qwen ? 8960 : 2816),
                or(vocab, qwen ? 151936 : 32000), or(imageTokens, qwen ? 1296 : 576), textTokens, runs, warmup, decodeSteps, family);
        ai.djl.Device device = deviceFlags.device();
        ai.djl.ndarray.types.DataType dtype = deviceFlags.dtype(device);
        Map<String, Supplier<AttentionHook>> hooks = new LinkedHashMap<>();
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
                }
            }
            new ForwardBench(s, device, dtype, System.out).run(hooks);
        }
        return Main.OK;
    }

    private static int or(Integer given, int fallback) {
        return given != null ? given : fallback;
    }
}
