package sinkscope.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sinkscope.intervention.Context;
import sinkscope.intervention.Intervention;
import sinkscope.intervention.NextToken;
import sinkscope.intervention.Settings;
import sinkscope.model.AttentionHook;
import sinkscope.model.Contrast;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Inputs;
import sinkscope.model.Lmm;
import sinkscope.model.OperaDecoder;
import sinkscope.model.decoding.Decoding;

/**
 * Time per sample of the interventions with a second input per sample (VCD's noised image, PAI's text-only prompt)
 * over the bare generation's, on {@code bench-forward}'s random model: the family's bench sample ({@code Family#benchSample}: random
 * prompt ids with the image placeholder and random pixel values), its image features made once (shared, as the evaluate job shares them
 * across a sample's configs), then prefill plus {@code tokens} new tokens (EOS ignored), end to end through
 * {@link Lmm#generate}: the method's hook, its contrast input (noise and the noised image's vision pass included) and
 * its decoding. Each run times four generations back to back, their order rotating with the run: the bare one and the
 * method's alone ({@code Lmm.generate} of one sample: the contrast is a second forward per step), and both through the
 * batched loop ({@code Lmm.generate} of a list: the contrast's rows join the main row in one forward per step).
 * OPERA ({@link NextToken#opera}) runs its own beam search ({@link OperaDecoder}) in both, as the evaluate job runs it.
 * Figures per method: {@code <name>_sample_ms} (alone), {@code <name>_sample_overhead} (alone over bare alone) and
 * {@code <name>_sample_overhead_batched} (batched over bare batched), medians over the runs of each run's ratio, with
 * their quartiles ({@code _q1}, {@code _q3}).
 */
public final class MethodBench {
    private MethodBench() {}

    /** A registered method to time with its settings: its hook and next-token choice for the sample, sink dims {0, 1} at {@code tau}. */
    public record Method(Intervention intervention, Settings settings, double tau) {
        public String name() {
            return intervention.name();
        }
    }

    static Map<String, Double> run(Lmm model, NDManager m, Inputs inputs, List<Method> methods, int tokens, int runs, int warmup, PrintStream out) {
        Map<String, Double> figures = new LinkedHashMap<>();
        NDArray features = model.imageFeatures(m, inputs);
        for (Method method : methods) {
            for (int w = 0; w < warmup; w++) {
                time(model, m, inputs, features, method, false, tokens);
                time(model, m, inputs, features, method, true, tokens);
            }
            List<Double> alone = new ArrayList<>();
            List<Double> bareAlone = new ArrayList<>();
            List<Double> batched = new ArrayList<>();
            List<Double> bareBatched = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                double[] t = new double[4];
                for (int k = 0; k < 4; k++) {
                    int side = (k + r) % 4; // 0 bare alone, 1 method alone, 2 bare batched, 3 method batched
                    t[side] = time(model, m, inputs, features, side % 2 == 0 ? null : method, side >= 2, tokens);
                }
                bareAlone.add(t[0]);
                alone.add(t[1]);
                bareBatched.add(t[2]);
                batched.add(t[3]);
            }
            figures.put(method.name() + "_sample_ms", Figures.median(alone) * 1e3);
            List<Double> ratios = Figures.ratios(alone, bareAlone);
            List<Double> batchedRatios = Figures.ratios(batched, bareBatched);
            figures.put(method.name() + "_sample_overhead", Figures.median(ratios));
            figures.put(method.name() + "_sample_overhead_q1", Figures.quantile(ratios, 0.25));
            figures.put(method.name() + "_sample_overhead_q3", Figures.quantile(ratios, 0.75));
            figures.put(method.name() + "_sample_overhead_batched", Figures.median(batchedRatios));
            figures.put(method.name() + "_sample_overhead_batched_q1", Figures.quantile(batchedRatios, 0.25));
            figures.put(method.name() + "_sample_overhead_batched_q3", Figures.quantile(batchedRatios, 0.75));
        }
        return figures;
    }

    /** Seconds of one generation of the sample, bare ({@code method} null) or with the method, alone or through the batched loop. */
    private static double time(Lmm model, NDManager m, Inputs inputs, NDArray features, Method method, boolean batched, int tokens) {
        try (NDManager s = m.newSubManager()) {
            long t0 = System.nanoTime();
            Context c = new Context(s, model.numLayers(), new int[] {0, 1}, method == null ? 0 : method.tau(), "bench", inputs, model.config().imageTokenIds(), 0);
            AttentionHook hook = method == null ? null : method.intervention().hook(method.settings(), c);
            NextToken next = method == null ? null : method.intervention().nextToken(method.settings(), c);
            GenerateOptions opts = new GenerateOptions(tokens, false, 0, false, next == null ? Decoding.GREEDY : next.decoding());
            Contrast contrast = next == null ? null : next.contrast();
            if (next != null && next.opera() != null) { // OPERA's own beam search, sample by sample in either loop
                OperaDecoder.generate(model, s, inputs, features, next.opera(), tokens, false, false, hook);
            } else if (batched) {
                model.generate(s, List.of(inputs), Collections.singletonList(features), List.of(opts), Collections.singletonList(hook),
                        Collections.singletonList(contrast));
            } else {
                model.generate(s, inputs, features, opts, hook, contrast);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }
}
