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
    // image (smart_resize to 1008 x 1008: 36 x 36 = 1296 merged tokens); qwen3_vl: Qwen3-VL-8B's decoder width (4096
    // hidden, 32 heads of 128, 8 kv heads, 12288 MLP) and a 1000 x 1000 image (patch 16, merge 2: 992 x 992, 31 x 31 = 961
    // merged tokens); internvl: InternVL3-8B's decoder width (3584 hidden, 28 heads, 4 kv heads, 18944 MLP, vocab 151674)
    // and 7 tiles of 256 tokens (max_patches 6 + thumbnail, a 3:2 photo); llava: the LLaVA-1.5 benchmark shape
    @Option(names = "--family", paramLabel = "llava|qwen2_vl|qwen3_vl|internvl", order = 1, defaultValue = "llava",
            description = "the shape's defaults: llava (LLaVA-1.5, 576 image tokens), qwen2_vl (Qwen2-VL-2B width, 1296 image tokens), qwen3_vl "
                    + "(Qwen3-VL-8B width, 961 image tokens, DeepStack) or internvl (InternVL3-8B width, 1792 image tokens) (default: ${DEFAULT-VALUE})")
    String family;
    @Option(names = "--hidden", paramLabel = "INT", order = 2, description = "hidden size (default: llava 1024, qwen2_vl 1536, qwen3_vl 4096, internvl 3584)")
    Integer hidden;
    @Option(names = "--heads", paramLabel = "INT", order = 3, description = "attention heads (default: llava 16, qwen2_vl 12, qwen3_vl 32, internvl 28)")
    Integer heads;
    @Option(names = "--kv-heads", paramLabel = "INT", order = 4, description = "key/value heads (default: llava 16, qwen2_vl 2, qwen3_vl 8, internvl 4)")
    Integer kvHeads;
    @Option(names = "--layers", paramLabel = "INT", order = 5, defaultValue = "8", description = "decoder layers (default: ${DEFAULT-VALUE})")
    int layers;
    @Option(names = "--intermediate", paramLabel = "INT", order = 6,
            description = "MLP size (default: llava 2816, qwen2_vl 8960, qwen3_vl 12288, internvl 18944)")
    Integer intermediate;
    @Option(names = "--vocab", paramLabel = "INT", order = 7, description = "vocabulary (default: llava 32000, qwen2_vl and qwen3_vl 151936, internvl 151674)")
    Integer vocab;
    @Option(names = "--image-tokens", paramLabel = "INT", order = 8, description = "image tokens (default: llava 576, qwen2_vl 1296, qwen3_vl 961, internvl 1792)")
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
        // hidden, heads, kv heads, intermediate, vocab, image tokens
        int[] d = switch (family) {
            case "qwen2_vl" -> new int[] {1536, 12, 2, 8960, 151936, 1296};
            case "qwen3_vl" -> new int[] {4096, 32, 8, 12288, 151936, 961};
            case "internvl" -> new int[] {3584, 28, 4, 18944, 151674, 7 * 256};
            default -> new int[] {1024, 16, 16, 2816, 32000, 576};
        };
        ForwardBench.Settings s = new ForwardBench.Settings(or(hidden, d[0]), or(heads, d[1]), or(kvHeads, d[2]), layers, or(intermediate, d[3]),
                or(vocab, d[4]), or(imageTokens, d[5]), textTokens, runs, warmup, decodeSteps, family);
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
