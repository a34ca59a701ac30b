package sinkscope.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sinkscope.model.AttentionHook;
import sinkscope.model.GenerateOptions;
import sinkscope.model.KvCache;
import sinkscope.model.Lmm;
import sinkscope.model.Merged;
import sinkscope.model.Prefill;

/**
 * The decode loop of {@code bench-forward}: libtorch calls of one decode step ({@link LibtorchCalls}), per step and per
 * decoder layer, and greedy tokens per second at batch sizes 1 and 8.
 * <ul>
 *   <li>{@code decode_calls_per_step}: top-level ATen ops of one decode step of the benchmark's model (embedding, every
 *       layer, final norm, {@code lm_head}; the argmax outside). {@code decode_calls_per_layer} (and
 *       {@code decode_kernels_per_layer}, the calls that are not views): the difference between that model's step and
 *       the same shape's with one layer fewer ({@code L - 1}, or 2 layers against 1), so exactly one layer's calls;
 *       the op histogram of one layer is printed.</li>
 *   <li>{@code decode_tokens_per_s_b1}, {@code _b8}: tokens generated per second (B x steps over the wall time of the
 *       batched greedy generation after its prefill), B copies of the prompt, B = 1 and 8 interleaved within each run;
 *       {@code decode_batch_speedup_8} is the median over runs of that run's ratio; {@code generate_ms}: the B = 1
 *       generation's prefill plus its {@code decodeSteps} tokens, hook-free (what {@code jobs/compare-hf.sh} sets
 *       against transformers' eager generation of the same shape).</li>
 * </ul>
 */
final class DecodeBench {
    private DecodeBench() {}

    /** Calls of the second decode step after a prefill of {@code merged} (the first may size buffers). */
    static LibtorchCalls.Counts stepCalls(Lmm model, NDManager m, Merged merged) {
        try (NDManager sample = m.newSubManager(); KvCache cache = new KvCache(model.numLayers(), 4)) {
            Prefill p = model.prefill(sample, merged, cache, null);
            long token = p.lastLogits().argMax().getLong();
            try (NDArray first = model.decode(sample, token, cache, 0, merged, null)) {
                token = first.argMax().getLong();
            }
            long t = token;
            return LibtorchCalls.count(() -> model.decode(sample, t, cache, 1, merged, null).close());
        }
    }

    /**
     * The libtorch calls of one decode step of {@code model} and of one of its layers: the step's calls less those of
     * {@code shallower}, the same shape with fewer layers, per layer of difference.
     */
    static Map<String, Double> calls(Lmm model, Lmm shallower, NDManager m, Merged merged, PrintStream out) {
        Map<String, Double> figures = new LinkedHashMap<>();
        LibtorchCalls.Counts step = stepCalls(model, m, merged);
        LibtorchCalls.Counts fewer = stepCalls(shallower, m, merged);
        LibtorchCalls.Counts layer = step.minus(fewer, model.numLayers() - shallower.numLayers());
        figures.put("decode_calls_per_step", (double) step.calls());
        figures.put("decode_calls_per_layer", (double) layer.calls());
        figures.put("decode_kernels_per_layer", (double) layer.kernels());
        out.println("decode calls of one layer: " + layer.histogram());
        out.println("decode calls outside the layers: " + step.minus(layer.scaled(model.numLayers()), 1).histogram());
        return figures;
    }

    /** Tokens/s of {@code model} at B = 1 and 8 and its B = 1 generation time: {@code decodeSteps} greedy tokens, {@code runs} interleaved runs. */
    static Map<String, Double> rates(Lmm model, NDManager m, Merged deep, int decodeSteps, int runs) {
        Map<String, Double> figures = new LinkedHashMap<>();
        int[] sizes = {1, 8};
        Map<Integer, List<Double>> rate = new LinkedHashMap<>();
        List<Double> speedup = new ArrayList<>();
        List<Double> generateMs = new ArrayList<>();
        generate(model, m, deep, 8, decodeSteps); // warm-up
        for (int r = 0; r < runs; r++) {
            double[] perSize = new double[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                int b = sizes[(i + r) % sizes.length]; // alternate which size goes first
                sinkscope.model.Generation g = generate(model, m, deep, b, decodeSteps);
                double tps = (double) b * g.tokens().length / (g.decodeNanos() / 1e9);
                if (b == 1) {
                    generateMs.add((g.prefillNanos() + g.decodeNanos()) / 1e6);
                }
                rate.computeIfAbsent(b, k -> new ArrayList<>()).add(tps);
                perSize[b == 1 ? 0 : 1] = tps;
            }
            speedup.add(perSize[1] / perSize[0]);
        }
        for (int b : sizes) {
            figures.put("decode_tokens_per_s_b" + b, Figures.median(rate.get(b)));
        }
        figures.put("decode_batch_speedup_8", Figures.median(speedup));
        figures.put("generate_ms", Figures.median(generateMs));
        return figures;
    }

    /** One batched greedy generation of {@code b} copies of {@code merged} (its first result: the batch's timings). */
    private static sinkscope.model.Generation generate(Lmm model, NDManager m, Merged merged, int b, int steps) {
        try (NDManager sample = m.newSubManager()) {
            GenerateOptions opts = new GenerateOptions(steps, false, 0);
            List<sinkscope.model.Generation> g = model.greedy(sample, Collections.nCopies(b, merged), Collections.nCopies(b, opts),
                    Collections.nCopies(b, (AttentionHook) null));
            return g.get(0);
        }
    }
}
