package sinkscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import sinkscope.model.AttentionHook;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/** bench-forward end to end on a decoder small enough to run in a test: every figure is there, printed, and sane. */
class ForwardBenchFiguresTest {

    @Test
    void everyFigureIsPrintedAndFinite() {
        ForwardBench.Settings s = new ForwardBench.Settings(32, 4, 2, 2, 64, 50, 16, 8, 2, 0, 2, "llava");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<String, Double> figures;
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, Supplier<AttentionHook>> hooks = new LinkedHashMap<>();
            hooks.put("var", () -> new VarHook(m, VarParams.official(new int[] {0, 1}).withTau(2.5), false));
            figures = new ForwardBench(s, new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(hooks);
        }
        List<String> expected = List.of("gemm_gflops", "forward_gflops", "prefill_ms", "forward_vs_gemm", "capture_overhead",
                "statistics_overhead", "statistics_hook_share", "decode_calls_per_step", "decode_calls_per_layer", "decode_kernels_per_layer",
                "decode_tokens_per_s_b1", "decode_tokens_per_s_b8", "decode_batch_speedup_8", "generate_ms", "var_generate_ms", "var_overhead", "var_overhead_run_q1",
                "var_overhead_run_q3", "var_hook_ms", "var_hook_share");
        assertEquals(expected, List.copyOf(figures.keySet()));
        String printed = bytes.toString(StandardCharsets.UTF_8);
        for (String name : expected) {
            double v = figures.get(name);
            assertTrue(Double.isFinite(v) && v > 0, name + " = " + v);
            assertTrue(printed.contains(name + ": "), name + " not printed");
        }
        // the hook's own time is part of the hooked prefill, so its share of a hook-free one is below the hooked ratio + noise
        assertTrue(figures.get("statistics_hook_share") < figures.get("statistics_overhead") + 0.5);
        // FLOPs over seconds: forward_gflops * prefill seconds gives back the counted work
        assertEquals(s.flops() / 1e9, figures.get("forward_gflops") * figures.get("prefill_ms") / 1e3, s.flops() / 1e9 * 1e-9);
    }
}
