package sinkscope.cli;

import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import sinkscope.bench.ForwardBench;
import sinkscope.model.AttentionHook;
import sinkscope.model.Torch;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/** {@code bench-forward}: prefill FLOP/s against bare GEMMs, capture overhead (and VAR overhead with {@code --var}). */
final class BenchForwardCommand implements Main.Command {
    @Override
    public String summary() {
        return "benchmark: prefill vs bare GEMM, capture on/off, VAR on/off (--var)";
    }

    @Override
    public int run(Args args) {
        Torch.configure(args.integer("threads", 0));
        // --family qwen2_vl: Qwen2-VL-2B's decoder width (1536 hidden, 12 heads, 2 kv heads, 8960 MLP) and a 1000 x 1000
        // image (smart_resize to 1008 x 1008: 36 x 36 = 1296 merged tokens); llava: the LLaVA-1.5 benchmark shape
        String family = args.string("family", "llava");
        boolean qwen = family.equals("qwen2_vl");
        ForwardBench.Settings s = new ForwardBench.Settings(
                args.integer("hidden", qwen ? 1536 : 1024), args.integer("heads", qwen ? 12 : 16), args.integer("kv-heads", qwen ? 2 : 16),
                args.integer("layers", 8), args.integer("intermediate", qwen ? 8960 : 2816), args.integer("vocab", qwen ? 151936 : 32000),
                args.integer("image-tokens", qwen ? 1296 : 576), args.integer("text-tokens", 40), args.integer("runs", 15), args.integer("warmup", 1),
                args.integer("decode-steps", 16), family);
        ai.djl.Device device = ModelFlags.device(args);
        ai.djl.ndarray.types.DataType dtype = ModelFlags.dtype(args, device);
        boolean var = args.bool("var", false);
        double tau = args.number("tau", 2.5);
        args.requireAllUsed();
        Map<String, Supplier<AttentionHook>> hooks = new LinkedHashMap<>();
        try (NDManager varManager = NDManager.newBaseManager(device)) {
            if (var) {
                // Random hidden states have |x_d|/RMS ~ |N(0,1)|: tau 2.5 on two dims makes ~2% of tokens sinks, and the
                // near-uniform attention of a random model passes HeadFork, so VAR rewrites most rows (its costliest path).
                VarParams params = VarParams.official(new int[] {0, 1}).withTau(tau);
                hooks.put("var", () -> new VarHook(varManager, params, false));
                hooks.put("var_recording", () -> new VarHook(varManager, params, true));
            }
            new ForwardBench(s, device, dtype, System.out).run(hooks);
        }
        return 0;
    }
}
