package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every benchmark command in each of its modes, end to end through {@link Main} on a tiny model and a few samples: it
 * exits 0 and prints each of its figures ({@code name: value}) as a finite number.
 */
class BenchCommandsTest {
    private static final Pattern FIGURE = Pattern.compile("(?m)^([a-z][a-z0-9_]*): (\\S+)$");

    /** Runs {@code argv}, checks exit 0, returns the printed figures by name. */
    private static Map<String, Double> run(String... argv) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run(argv);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        lastOut = out;
        assertEquals(0, code, out);
        Map<String, Double> figures = new LinkedHashMap<>();
        Matcher m = FIGURE.matcher(out);
        while (m.find()) {
            figures.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return figures;
    }

    private static void assertFigures(Map<String, Double> figures, List<String> names) {
        for (String name : names) {
            assertTrue(figures.containsKey(name), name + " not printed; printed " + figures.keySet());
            double v = figures.get(name);
            assertTrue(Double.isFinite(v) && v >= 0, name + " = " + v);
        }
    }

    /** What the last {@link #run} printed. */
    private static String lastOut = "";

    private static final String[] TINY_DECODER = {"--hidden", "32", "--heads", "4", "--kv-heads", "2", "--layers", "2", "--intermediate", "64",
        "--vocab", "50", "--image-tokens", "16", "--text-tokens", "8", "--runs", "2", "--decode-steps", "2", "--threads", "1"};

    private static String[] with(String[] base, String... more) {
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void benchForwardDefaultVarAndQwen() {
        List<String> prefill = List.of("gemm_gflops", "forward_gflops", "prefill_ms", "forward_vs_gemm", "capture_overhead", "statistics_overhead",
                "statistics_hook_share");
        assertFigures(run(with(new String[] {"bench-forward"}, TINY_DECODER)), prefill);
        Map<String, Double> var = run(with(new String[] {"bench-forward"}, with(TINY_DECODER, "--var", "true")));
        assertFigures(var, prefill);
        assertFigures(var, List.of("var_generate_ms", "var_overhead", "var_hook_share", "var_recording_overhead"));
        assertFigures(var, List.of("decode_calls_per_step", "decode_calls_per_layer", "decode_kernels_per_layer", "decode_tokens_per_s_b1",
                "decode_tokens_per_s_b8", "decode_batch_speedup_8", "generate_ms"));
        // one layer's calls are part of the step's, and the views among them launch nothing
        assertTrue(var.get("decode_calls_per_layer") > 0 && var.get("decode_calls_per_layer") * 2 < var.get("decode_calls_per_step"));
        assertTrue(var.get("decode_kernels_per_layer") > 0 && var.get("decode_kernels_per_layer") < var.get("decode_calls_per_layer"));
        assertFigures(run(with(new String[] {"bench-forward"}, with(TINY_DECODER, "--family", "qwen2_vl"))), prefill);
        assertFigures(run(with(new String[] {"bench-forward"}, with(TINY_DECODER, "--family", "qwen3_vl", "--var", "true"))), prefill);
        assertFigures(run(with(new String[] {"bench-forward"}, with(TINY_DECODER, "--family", "internvl"))), prefill);
        assertFigures(run(with(new String[] {"bench-forward"}, with(TINY_DECODER, "--family", "llava_next"))), prefill);
        // every registered intervention that changes something and fits the 2 layers, timed against the bare generation;
        // those whose defaults select no layer of this depth are named, not timed
        Map<String, Double> all = run(with(new String[] {"bench-forward"}, with(TINY_DECODER, "--interventions", "true")));
        for (String i : List.of("ablate_sinks", "ablate_random", "pai")) {
            assertFigures(all, List.of(i + "_generate_ms", i + "_overhead", i + "_hook_ms"));
        }
        // those with a second input per sample, end to end against the bare generation, alone and batched
        for (String i : List.of("pai", "vcd", "opera")) {
            assertFigures(all, List.of(i + "_sample_ms", i + "_sample_overhead", i + "_sample_overhead_batched"));
        }
        assertFalse(all.containsKey("vcd_overhead") || all.containsKey("vaf_sample_ms"), "vcd has no hook, vaf no second input");
        assertFalse(all.containsKey("baseline_overhead"), "the baseline has no hook to time");
        assertFalse(all.containsKey("vaf_overhead") || all.containsKey("var_overhead"), all.keySet().toString());
        assertTrue(lastOut.contains("vaf: not timed: vaf: the layer range [start, end) = [1, 1) selects no layer of this 2-layer model"), lastOut);
        assertTrue(lastOut.contains("var: not timed: var: from = 2 is outside the model's 2 layers"), lastOut);
    }

    @Test
    void benchPipelineDefaultMode(@TempDir Path tmp) {
        Map<String, Double> f = run("bench-pipeline", "--samples", "3", "--runs", "1", "--warmup", "1", "--max-new-tokens", "2", "--work",
                tmp.resolve("w").toString());
        assertFigures(f, List.of("spark_overhead", "spark_overhead_local1", "scaling_2_vs_1", "scaling_model_bound", "samples_per_s_local1",
                "samples_per_s_local2", "parquet_bytes_per_sample"));
        assertTrue(f.get("parquet_bytes_per_sample") > 0 && f.get("spark_overhead") > 0);
    }

    @Test
    void benchPipelineBatchSizesAndVisionSharing(@TempDir Path tmp) {
        Map<String, Double> f = run("bench-pipeline", "--samples", "3", "--runs", "1", "--warmup", "1", "--max-new-tokens", "2", "--batch-size", "1,2",
                "--work", tmp.resolve("w").toString());
        assertFigures(f, List.of("samples_per_s_batch_1", "samples_per_s_batch_2", "batch_speedup_2", "vision_sharing_saving"));
        assertFigures(run("bench-pipeline", "--samples", "2", "--max-new-tokens", "2", "--vision-sharing", "true"), List.of("vision_sharing_saving"));
    }

    @Test
    void soakExtractAndGenerate() {
        List<String> names = List.of("rss_first_mb", "rss_last_mb", "live_arrays_first", "live_arrays_last", "samples_per_s");
        for (String[] mode : new String[][] {{}, {"--generate", "true", "--max-new-tokens", "24"}}) {
            Map<String, Double> f = run(with(new String[] {"soak", "--samples", "4", "--warmup", "1"}, mode));
            assertFigures(f, names);
            // growths are relative changes: a memory that shrank gives a small negative one
            for (String growth : List.of("rss_growth", "native_growth")) {
                assertTrue(f.containsKey(growth) && Double.isFinite(f.get(growth)) && f.get(growth) > -1, growth + " = " + f.get(growth));
            }
            assertEquals(f.get("live_arrays_first"), f.get("live_arrays_last"), "arrays alive after the first and the last sample");
        }
    }
}
