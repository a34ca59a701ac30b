package sinkscope.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import sinkscope.model.AttentionHook;
import sinkscope.model.Capture;
import sinkscope.model.ForwardStep;
import sinkscope.model.Generation;
import sinkscope.model.KvCache;
import sinkscope.model.Lmm;
import sinkscope.model.Merged;
import sinkscope.model.Prefill;
import sinkscope.model.ModelConfig;
import sinkscope.model.auto.DecoderShape;
import sinkscope.model.auto.Families;
import sinkscope.model.auto.Family;
import sinkscope.model.RotaryEmbedding;
import sinkscope.sink.SampleStatistics;

/**
 * Prefill throughput of the decoder on a random model of realistic shape, against bare GEMMs of the same shapes
 * in the same run, and the cost of hooks. FLOPs of one prefill over {@code S} tokens and {@code L} layers:
 * {@code L * (2 S D (2D + 2 kv) + 6 S D I + 4 H S^2 d)} (projections, SwiGLU MLP, {@code QK^T} and {@code AV}
 * over the full {@code S x S} square as computed); {@code forward_vs_gemm} = achieved FLOP/s of the forward over
 * that of the GEMMs alone. Each run times the GEMMs and then the two sides of every A/B comparison back to back, in
 * alternating order; {@code forward_vs_gemm}, {@code capture_overhead} (every hidden state and attention map kept, as
 * {@code inspect} and the golden tests keep them) and {@code statistics_overhead} (the extract job's hook, which
 * reduces each layer on the device and keeps no map; {@code statistics_hook_share} is the time inside its calls over
 * the hook-free prefill) are the median over the runs of that run's ratio, so slow drift of the machine (other processes, clocks) cancels within each pair. A hook's generation
 * overhead ({@code *_overhead}: prefill and {@code decodeSteps} greedy steps, hook on over hook off) runs the two
 * generations in lockstep, phase by phase, and compares typical generations ({@link #typicalGenerations}: medians
 * of each phase and of its paired difference); {@code *_overhead_run_q1/q3} are the quartiles of the per-run
 * ratios, the spread one run alone would show; {@code *_hook_share} is the time spent inside the hook's calls (median
 * over the runs) over the hook-off generation: the hook's own cost, measured directly and so far less noisy than the
 * comparison, but blind to what the hook costs the forward pass around it (caches, allocator).
 */
public final class ForwardBench {

    /** Shape and repetition settings. */
    public record Settings(int hidden, int heads, int kvHeads, int layers, int intermediate, int vocab, int imageTokens, int textTokens,
            int runs, int warmup, int decodeSteps, String family) {
        // family: a model_type of the registry (Families.named), whose random model the decoder is

        /** The same settings with {@code n} decoder layers. */
        Settings withLayers(int n) {
            return new Settings(hidden, heads, kvHeads, n, intermediate, vocab, imageTokens, textTokens, runs, warmup, decodeSteps, family);
        }

        public int seqLen() {
            return imageTokens + textTokens;
        }

        public long flops() {
            long s = seqLen();
            long d = hidden;
            long kv = (long) kvHeads * (hidden / heads);
            long perLayer = 2 * s * d * (2 * d + 2 * kv) + 6 * s * d * intermediate + 4L * heads * s * s * (hidden / heads);
            return perLayer * layers;
        }
    }

    private final Settings settings;
    private final PrintStream out;

    private final Device device;
    private final DataType dtype;

    public ForwardBench(Settings settings, PrintStream out) {
        this(settings, Device.cpu(), DataType.FLOAT32, out);
    }

    /** On {@code device} in {@code dtype} (the weights, embeddings and GEMM operands; attention softmax stays fp32). */
    public ForwardBench(Settings settings, Device device, DataType dtype, PrintStream out) {
        this.settings = settings;
        this.device = device;
        this.dtype = dtype;
        this.out = out;
    }

    /**
     * The merged prompt: random embeddings with the image after the first eighth of the text; for a decoder with
     * multimodal rotary sections (Qwen-VL) a square grid and its 3-D positions, and random image additions for as many
     * layers as the config has ({@link ModelConfig#imageAdditionLayers}, Qwen3-VL's DeepStack).
     */
    private Merged merged(NDManager m, ModelConfig config) {
        Settings s = settings;
        NDArray embeds = m.randomNormal(0f, 1f, new Shape(1, s.seqLen(), s.hidden), DataType.FLOAT32).toType(dtype, false);
        int start = s.textTokens / 8;
        int end = start + s.imageTokens;
        if (config.text().mropeSection() == null) {
            return new Merged(embeds, start, end); // 1-D rotary positions
        }
        int side = (int) Math.round(Math.sqrt(s.imageTokens));
        if (side * side != s.imageTokens) {
            throw new IllegalArgumentException("--image-tokens " + s.imageTokens + " must be a square for " + s.family + " (e.g. 1296 = 36 x 36)");
        }
        long[][] positions = RotaryEmbedding.multimodalPositions(s.seqLen(), start, side, side);
        long max = 0;
        for (long p : positions[1]) {
            max = Math.max(max, p);
        }
        max = Math.max(max, positions[0][s.seqLen() - 1]);
        int k = config.imageAdditionLayers();
        NDArray deepstack = k > 0
                ? m.randomNormal(0f, 1f, new Shape(k, s.imageTokens, s.hidden), DataType.FLOAT32).toType(dtype, false).toDevice(device, false) : null;
        return new Merged(embeds, start, end, positions, (int) (max + 1 - s.seqLen()), deepstack);
    }

    /** The random-weight model of the settings' shape, as its family builds it ({@link Family#random}). */
    private Lmm model(Settings s) {
        return Families.named(s.family).random(shape(s), device, dtype);
    }

    /** The decoder shape of {@code s}, its rotary table holding the prompt and the decode steps. */
    public static DecoderShape shape(Settings s) {
        return new DecoderShape(s.hidden, s.heads, s.kvHeads, s.layers, s.intermediate, s.vocab, s.imageTokens, s.seqLen() + s.decodeSteps + 8);
    }

    /** The malloc libtorch's CPU buffers come from: the preloaded library ({@code LD_PRELOAD}, jobs/sinkscope), else glibc. */
    public static String allocator() {
        String preload = System.getenv("LD_PRELOAD");
        return preload == null || preload.isBlank() ? "glibc" : preload.trim();
    }

    /** Runs everything and returns the figures by name (also printed as {@code name: value} lines). */
    public Map<String, Double> run(Map<String, Supplier<AttentionHook>> extraHooks) {
        return run(extraHooks, List.of());
    }

    /**
     * {@link #run(Map)}, and the interventions with a second input per sample timed end to end against the bare
     * generation ({@link MethodBench}; on the LLaVA shape only).
     */
    public Map<String, Double> run(Map<String, Supplier<AttentionHook>> extraHooks, List<MethodBench.Method> methods) {
        Map<String, Double> figures = new LinkedHashMap<>();
        Settings s = settings;
        out.printf("bench-forward: %s decoder, hidden %d, heads %d (kv %d), layers %d, intermediate %d, %d image + %d text tokens, %d runs (median)%n",
                s.family, s.hidden, s.heads, s.kvHeads, s.layers, s.intermediate, s.imageTokens, s.textTokens, s.runs);
        out.printf("device %s, dtype %s, allocator %s%n", device, dtype, allocator());
        try (Lmm model = model(s); NDManager m = model.newSampleManager()) {
            Merged merged = merged(m, model.config());
            NDArray[] gemmInputs = gemmInputs(m);

            for (int i = 0; i < s.warmup; i++) {
                gemms(gemmInputs);
                prefill(model, m, merged, null);
                prefill(model, m, merged, () -> new Capture(m, true, true));
                prefill(model, m, merged, this::statistics);
            }
            List<Double> gemm = new ArrayList<>();
            List<Double> off = new ArrayList<>();
            List<Double> on = new ArrayList<>();
            List<Double> statsOff = new ArrayList<>();
            List<Double> statsOn = new ArrayList<>();
            List<Double> statsHook = new ArrayList<>();
            for (int r = 0; r < s.runs; r++) {
                gemm.add(gemms(gemmInputs));
                double[] pair = pair(r, () -> prefill(model, m, merged, null), () -> prefill(model, m, merged, () -> new Capture(m, true, true)));
                off.add(pair[0]);
                on.add(pair[1]);
                long[] statsNanos = {0};
                double[] stats = pair(r, () -> prefill(model, m, merged, null),
                        () -> prefill(model, m, merged, () -> timed(statistics(), nanos -> statsNanos[0] += nanos)));
                statsOff.add(stats[0]);
                statsOn.add(stats[1]);
                statsHook.add(statsNanos[0] / 1e9);
            }
            double flops = s.flops();
            double gemmT = Figures.median(gemm);
            double offT = Figures.median(off);
            figures.put("gemm_gflops", flops / gemmT / 1e9);
            figures.put("forward_gflops", flops / offT / 1e9);
            figures.put("prefill_ms", offT * 1e3);
            figures.put("forward_vs_gemm", Figures.median(Figures.ratios(gemm, off)));
            figures.put("capture_overhead", Figures.median(Figures.ratios(on, off)));
            figures.put("statistics_overhead", Figures.median(Figures.ratios(statsOn, statsOff)));
            figures.put("statistics_hook_share", Figures.median(Figures.ratios(statsHook, statsOff)));

            try (Lmm other = model(s.withLayers(s.layers > 1 ? s.layers - 1 : 2))) { // closed before the timing: at 8B width two models fill 16 GB
                boolean deeper = other.numLayers() > model.numLayers();
                figures.putAll(DecodeBench.calls(deeper ? other : model, deeper ? model : other, m, merged, out));
            }
            figures.putAll(DecodeBench.rates(model, m, merged, s.decodeSteps, s.runs));

            for (Map.Entry<String, Supplier<AttentionHook>> e : extraHooks.entrySet()) {
                generatePair(0, model, m, merged, () -> null, e.getValue());
                double[][][] phases = new double[s.runs][][];
                List<Double> inHook = new ArrayList<>();
                for (int r = 0; r < s.runs; r++) {
                    Lockstep run = generatePair(r, model, m, merged, () -> null, e.getValue());
                    phases[r] = new double[][] {run.a(), run.b()};
                    inHook.add(run.bHookSeconds());
                }
                double[] typical = typicalGenerations(phases);
                double base = typical[0];
                double with = typical[1];
                List<Double> ratios = new ArrayList<>();
                for (double[][] run : phases) {
                    ratios.add(Arrays.stream(run[1]).sum() / Arrays.stream(run[0]).sum());
                }
                figures.put(e.getKey() + "_generate_ms", with * 1e3);
                figures.put(e.getKey() + "_overhead", with / base);
                figures.put(e.getKey() + "_overhead_run_q1", Figures.quantile(ratios, 0.25));
                figures.put(e.getKey() + "_overhead_run_q3", Figures.quantile(ratios, 0.75));
                figures.put(e.getKey() + "_hook_ms", Figures.median(inHook) * 1e3);
                figures.put(e.getKey() + "_hook_share", Figures.median(inHook) / base);
            }
            if (!methods.isEmpty()) {
                java.util.Optional<sinkscope.model.Inputs> sample = Families.named(s.family).benchSample(model, s.textTokens, m);
                if (sample.isPresent()) {
                    figures.putAll(MethodBench.run(model, m, sample.get(), methods, s.decodeSteps + 1, s.runs, s.warmup, out));
                } else {
                    out.println(methods.stream().map(MethodBench.Method::name).toList() + ": not timed end to end: family " + s.family
                            + " has no bench sample");
                }
            }
            for (Map.Entry<String, Double> f : figures.entrySet()) {
                out.printf("%s: %.3f%n", f.getKey(), f.getValue());
            }
            return figures;
        }
    }

    /**
     * The extract job's hook ({@link SampleStatistics}, as {@code ModelSampleRunner.extract} makes it): sink scores on
     * two dimensions at tau 2.5 (~2% of random tokens), HeadFork's head figures at the authors' summ 0.2 and rho 0.5,
     * the last token's image attention kept for the job's default {@code --attention-layers} 1, 2, 3, 15, 31 (those the
     * model has); it reduces every layer and keeps no map.
     */
    private SampleStatistics statistics() {
        return new SampleStatistics(new int[] {0, 1}, 2.5, 2.5, 0.2, 0.5, Set.of(1, 2, 3, 15, 31));
    }

    /** Seconds for one prefill (all layers, last logits), the hook made fresh for the pass. */
    private static double prefill(Lmm model, NDManager m, Merged merged, Supplier<? extends AttentionHook> hook) {
        AttentionHook h = hook == null ? null : hook.get();
        try (NDManager sample = m.newSubManager(); KvCache cache = new KvCache(model.numLayers())) {
            long t0 = System.nanoTime();
            Prefill p = model.prefill(sample, merged, cache, h);
            p.lastLogits().toFloatArray();
            double t = (System.nanoTime() - t0) / 1e9;
            if (h instanceof AutoCloseable c) {
                c.close();
            }
            return t;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * B's time over A's for a typical generation, from runs of {A phases, B phases}: A's typical generation is the
     * sum over phases (prefill, decode steps) of each phase's median over the runs, B's adds each phase's median
     * paired difference {@code B - A} (the two sides of a phase ran back to back). Robust to a stall of the machine in
     * one phase of one run (tens of ms on these shared cores, as much as the effect measured), and the pairing keeps
     * drift between runs out. Returns {A seconds, B seconds}.
     */
    static double[] typicalGenerations(double[][][] phases) {
        int n = phases[0][0].length;
        double a = 0;
        double extra = 0;
        for (int phase = 0; phase < n; phase++) {
            List<Double> times = new ArrayList<>();
            List<Double> differences = new ArrayList<>();
            for (double[][] run : phases) {
                times.add(run[0][phase]);
                differences.add(run[1][phase] - run[0][phase]);
            }
            a += Figures.median(times);
            extra += Figures.median(differences);
        }
        return new double[] {a, a + extra};
    }

    /**
     * Seconds for prefill plus {@code decodeSteps} greedy steps of two generations, A (hook {@code a}) and B (hook
     * {@code b}), run in lockstep: A's prefill and B's back to back, then A's and B's first decode step, and so on,
     * the side that goes first alternating from phase to phase (and with the run {@code r}). A and B each sum their
     * own phases, so drift of the machine slower than one phase (~0.1 s here) falls on both sides alike.
     */
    private Lockstep generatePair(int r, Lmm model, NDManager m, Merged merged, Supplier<? extends AttentionHook> a,
            Supplier<? extends AttentionHook> b) {
        int phases = settings.decodeSteps + 1;
        Generation[] g = {new Generation(model, m, merged, a.get(), phases), new Generation(model, m, merged, b.get(), phases)};
        try {
            for (int phase = 0; phase < phases; phase++) {
                int first = (r + phase) % 2;
                g[first].step(phase);
                g[1 - first].step(phase);
            }
            return new Lockstep(g[0].seconds, g[1].seconds, g[1].hookNanos / 1e9);
        } finally {
            g[0].close();
            g[1].close();
        }
    }

    /** Seconds of every phase of A and of B, and the seconds B spent inside its hook's calls. */
    private record Lockstep(double[] a, double[] b, double bHookSeconds) {}

    /**
     * One greedy generation advanced phase by phase (0 = prefill, then the decode steps), timing each phase and the
     * hook's calls: their sum is the hook's own cost, without the noise of comparing two generations.
     */
    private static final class Generation implements AutoCloseable {
        private final Lmm model;
        private final Merged merged;
        private final AttentionHook inner;
        private final AttentionHook hook;
        private final NDManager sample;
        private final KvCache cache;
        private long token;
        final double[] seconds;
        long hookNanos;

        Generation(Lmm model, NDManager m, Merged merged, AttentionHook hook, int phases) {
            this.model = model;
            this.merged = merged;
            this.inner = hook;
            this.hook = hook == null ? null : timed(hook, nanos -> hookNanos += nanos);
            this.sample = m.newSubManager();
            this.cache = new KvCache(model.numLayers(), phases);
            this.seconds = new double[phases];
        }

        void step(int phase) {
            long t0 = System.nanoTime();
            if (phase == 0) {
                token = model.prefill(sample, merged, cache, hook).lastLogits().argMax().getLong();
            } else {
                try (NDArray logits = model.decode(sample, token, cache, phase - 1, merged, hook)) {
                    token = logits.argMax().getLong();
                }
            }
            seconds[phase] = (System.nanoTime() - t0) / 1e9;
        }

        @Override
        public void close() {
            try {
                if (inner instanceof AutoCloseable c) {
                    c.close();
                }
                cache.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                sample.close();
            }
        }
    }

    /** Operands of every GEMM in one prefill: x, then per layer q/k/v/o, gate/up/down weights, attention operands. */
    private NDArray[] gemmInputs(NDManager m) {
        Settings s = settings;
        int hd = s.hidden / s.heads;
        int kv = s.kvHeads * hd;
        int n = s.seqLen();
        NDArray[] in = {
            m.randomNormal(new Shape(n, s.hidden)), m.randomNormal(new Shape(s.hidden, s.hidden)), m.randomNormal(new Shape(kv, s.hidden)),
            m.randomNormal(new Shape(s.intermediate, s.hidden)), m.randomNormal(new Shape(s.hidden, s.intermediate)),
            m.randomNormal(new Shape(n, s.intermediate)), m.randomNormal(new Shape(1, s.heads, n, hd)),
            m.randomNormal(new Shape(1, s.heads, hd, n)), m.randomNormal(new Shape(1, s.heads, n, n))};
        for (int i = 0; i < in.length; i++) {
            in[i] = in[i].toType(dtype, false);
        }
        return in;
    }

    /** Seconds for the GEMMs of one prefill, nothing else. */
    private double gemms(NDArray[] in) {
        NDArray x = in[0];
        NDArray wd = in[1];
        NDArray wkv = in[2];
        NDArray wi = in[3];
        NDArray wo = in[4];
        NDArray xi = in[5];
        NDArray q = in[6];
        NDArray kt = in[7];
        NDArray a = in[8];
        long t0 = System.nanoTime();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (int l = 0; l < settings.layers; l++) {
                linear(x, wd);
                linear(x, wkv);
                linear(x, wkv);
                q.matMul(kt).close();
                a.matMul(q).close();
                linear(x, wd);
                linear(x, wi);
                linear(x, wi);
                linear(xi, wo);
            }
            // a GPU runs the GEMMs asynchronously: reading a value back waits for them (~0.1 ms on the CPU)
            x.sum().toFloatArray();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void linear(NDArray x, NDArray w) {
        x.getNDArrayInternal().linear(x, w, null).singletonOrThrow().close();
    }

    /** {@code h} with the nanoseconds of each of its calls handed to {@code spent}. */
    private static AttentionHook timed(AttentionHook h, java.util.function.LongConsumer spent) {
        return new AttentionHook.Forwarding() {
            @Override
            public AttentionHook delegate() {
                return h;
            }

            @Override
            public NDArray onScores(int layer, NDArray scores, ForwardStep step) {
                long t0 = System.nanoTime();
                NDArray out = h.onScores(layer, scores, step);
                spent.accept(System.nanoTime() - t0);
                return out;
            }

            @Override
            public void onStep(ForwardStep step) {
                long t0 = System.nanoTime();
                h.onStep(step);
                spent.accept(System.nanoTime() - t0);
            }

            @Override
            public void onLayerInput(int layer, NDArray hidden, ForwardStep step) {
                long t0 = System.nanoTime();
                h.onLayerInput(layer, hidden, step);
                spent.accept(System.nanoTime() - t0);
            }

            @Override
            public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
                long t0 = System.nanoTime();
                NDArray out = h.onAttention(layer, attn, step);
                spent.accept(System.nanoTime() - t0);
                return out;
            }
        };
    }

    /**
     * One A/B pair of run {@code r}, timed back to back in alternating order (A then B on even runs, B then A on odd
     * ones) so that neither side always runs first; returns {A seconds, B seconds}.
     */
    private static double[] pair(int r, DoubleSupplier a, DoubleSupplier b) {
        if (r % 2 == 0) {
            double ta = a.getAsDouble();
            return new double[] {ta, b.getAsDouble()};
        }
        double tb = b.getAsDouble();
        return new double[] {a.getAsDouble(), tb};
    }
}
