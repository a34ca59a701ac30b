package sinkscope.spark;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import sinkscope.data.ImageDecoder;
import sinkscope.data.ImageException;
import sinkscope.data.PromptTemplate;
import sinkscope.model.AttentionHook;
import sinkscope.model.BundledModel;
import sinkscope.model.Contrast;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.ImageLayout;
import sinkscope.model.ImageOptions;
import sinkscope.model.ImageProcessingException;
import sinkscope.model.Inputs;
import sinkscope.model.KvCache;
import sinkscope.model.Lmm;
import sinkscope.model.Merged;
import sinkscope.model.ModelConfig;
import sinkscope.model.OperaDecoder;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;
import sinkscope.model.decoding.Decoding;
import sinkscope.sink.KnownSinkDims;
import sinkscope.sink.LastTokenImageAttention;
import sinkscope.sink.SampleStatistics;
import sinkscope.intervention.Context;
import sinkscope.intervention.NextToken;
import sinkscope.intervention.Settings;
import sinkscope.sink.VarParams;

/**
 * A {@link SampleRunner} on any supported family (chosen by the checkpoint's config.json): one loaded model shared by the executor's task threads, each sample
 * in its own {@link NDManager}. Extraction is one prefill with {@link SampleStatistics} reducing every layer on the
 * device; prediction is generation (EOS stops) with the hook and the next-token choice of the configuration's registered
 * intervention ({@link sinkscope.intervention.Intervention#hook}, {@link sinkscope.intervention.Intervention#nextToken};
 * greedy over the one input unless it asks otherwise) and {@link LastTokenImageAttention} for the grounding figures.
 *
 * <p>{@code tau <= 0} or NaN in the spec means the size-relative paper threshold {@code 0.3125 sqrt(D)} (= 20 at
 * D = 4096), a null model directory means the model bundled in the jar ({@link BundledModel}), and a NaN dims floor means {@code tau} (the dims table then counts massive activations); sink dims come from the spec or, when empty, from {@code conf/sink_dims.json} for the checkpoint's LLM.
 */
public final class ModelSampleRunner implements SampleRunner {
    private final Lmm model;
    private final PromptTemplate template;
    private final ImageDecoder decoder = new ImageDecoder();
    private final ImageOptions imageOptions = ImageOptions.DEFAULT;
    private final int[] sinkDims;
    private final double tau;
    private final int maxNewTokens;
    private final long seed;

    public ModelSampleRunner(RunnerSpec spec, DeviceAssignment assignment) {
        Torch.configure(assignment.threads());
        Device device = Torch.device(assignment.device());
        DataType dtype = spec.dtype() == null || spec.dtype().equals("auto") ? Torch.defaultDtype(device) : Torch.dtype(spec.dtype());
        Path dir = spec.modelDir() == null ? BundledModel.path() : ModelCache.resolve(spec.modelDir(), ModelCache.cacheRoot());
        ModelConfig config = Families.config(dir);
        // fail at executor start, before any sample, when the weights cannot fit the device
        sinkscope.model.DeviceCheck.requireFits(device, sinkscope.model.DeviceCheck.weightBytes(config.parameterCount(), dtype), dir.toString());
        int hidden = config.text().hiddenSize();
        if (spec.sinkDims().isEmpty()) {
            sinkDims = KnownSinkDims.forModel(config.text().nameOrPath(), hidden).map(KnownSinkDims.Match::dims)
                    .orElseThrow(() -> new IllegalArgumentException(dir + ": no known sink dimensions for this model (text_config._name_or_path '"
                            + config.text().nameOrPath() + "', hidden " + hidden + "); give --sink-dims a,b or --sink-dims-from a sinkstats"
                            + " output, or find them with jobs/sinkscope sink-dims"));
        } else {
            sinkDims = spec.sinkDims().stream().mapToInt(Integer::intValue).toArray();
        }
        for (int d : sinkDims) {
            if (d < 0 || d >= hidden) {
                throw new IllegalArgumentException("sink dimension " + d + " is outside the hidden size " + hidden + " of " + dir);
            }
        }
        tau = Double.isNaN(spec.tau()) || spec.tau() <= 0 ? VarParams.tauForHiddenSize(VarParams.PAPER_TAU_FRACTION, hidden) : spec.tau();
        maxNewTokens = spec.maxNewTokens();
        seed = spec.seed();
        model = Families.load(dir, device, dtype);
        try {
            template = PromptTemplate.of(spec.template() == null || spec.template().equals("model") ? model.defaultTemplate() : spec.template(),
                    sinkscope.model.auto.Families.templates());
            String rendered = template.render("");
            int at = rendered.indexOf(model.imagePlaceholder());
            if (at < 0 || rendered.indexOf(model.imagePlaceholder(), at + 1) >= 0) {
                throw new IllegalArgumentException("prompt template " + template + " must hold the image placeholder "
                        + model.imagePlaceholder() + " of " + config.modelType() + " (" + config.file() + ") exactly once");
            }
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** NDArrays alive under the model's manager ({@link Lmm#liveArrays()}): flat between samples unless a sample leaks. */
    public int liveArrays() {
        return model.liveArrays();
    }

    /** The sink threshold in use (absolute). */
    public double tau() {
        return tau;
    }

    @Override
    public ExtractResult extract(SampleInput sample, ExtractOptions options) throws SampleException {
        return extract(List.of(sample), options).get(0).valueOrThrow();
    }

    /**
     * The extraction of each sample: one prefill with its {@link SampleStatistics}. Several samples go through one
     * batched prefill ({@link Lmm#prefill(NDManager, List, List)}); a sample whose image or prompt is bad is that
     * sample's error, and a batch the model fails on is run again sample by sample, so the error lands on its sample.
     * A batched sample's {@code model_time_ms} is the batch's time over its size.
     */
    @Override
    public List<Outcome<ExtractResult>> extract(List<SampleInput> samples, ExtractOptions options) {
        long t0 = System.nanoTime();
        double floor = Double.isNaN(options.dimFloor()) ? tau : options.dimFloor();
        List<Outcome<ExtractResult>> out = new ArrayList<>(java.util.Collections.nCopies(samples.size(), null));
        List<Integer> good = new ArrayList<>();
        List<SampleStatistics> stats = new ArrayList<>();
        List<Merged> merged = new ArrayList<>();
        List<Inputs> inputs = new ArrayList<>();
        try (NDManager m = model.newSampleManager()) {
            for (int i = 0; i < samples.size(); i++) {
                SampleInput sample = samples.get(i);
                try {
                    BufferedImage image = image(sample);
                    Inputs in = encode(m, prompt(sample), image);
                    Merged x = model.merge(m, in, model.imageFeatures(m, in));
                    good.add(i);
                    inputs.add(in);
                    merged.add(x);
                    stats.add(new SampleStatistics(sinkDims, tau, floor, options.summ(), options.rho(), new HashSet<>(options.attentionLayers())));
                } catch (SampleException e) {
                    out.set(i, new Outcome<>(null, e));
                } catch (RuntimeException e) {
                    out.set(i, new Outcome<>(null, new SampleException("model", e.getMessage(), e)));
                }
            }
            if (!good.isEmpty()) {
                try {
                    if (good.size() == 1) {
                        try (KvCache cache = new KvCache(model.numLayers())) {
                            model.prefill(m, merged.get(0), cache, stats.get(0));
                        }
                    } else {
                        model.prefill(m, merged, new ArrayList<AttentionHook>(stats));
                    }
                } catch (RuntimeException e) {
                    if (good.size() == 1) {
                        out.set(good.get(0), new Outcome<>(null, new SampleException("model", e.getMessage(), e)));
                        return out;
                    }
                    for (int i : good) { // isolate the sample the model fails on
                        out.set(i, extract(List.of(samples.get(i)), options).get(0));
                    }
                    return out;
                }
            }
        }
        long ms = Math.round((System.nanoTime() - t0) / 1e6 / Math.max(1, good.size()));
        for (int j = 0; j < good.size(); j++) {
            Merged x = merged.get(j);
            out.set(good.get(j), new Outcome<>(result(stats.get(j), x.imageStart(), x.imageEnd(), x.length(), inputs.get(j), ms), null));
        }
        return out;
    }

    /** The rows of one sample's extraction from its statistics. */
    private static ExtractResult result(SampleStatistics stats, int start, int end, int seqLen, Inputs inputs, long ms) {
        ImageLayout layout = inputs.layout();
        List<ExtractResult.TokenRow> tokens = new ArrayList<>();
        List<ExtractResult.HeadRow> heads = new ArrayList<>();
        List<ExtractResult.DimRow> dims = new ArrayList<>();
        List<ExtractResult.AttentionRow> attention = new ArrayList<>();
        for (int l = 0; l < stats.layers().size(); l++) {
            SampleStatistics.Layer layer = stats.layers().get(l);
            for (int t = 0; t < layer.phi().length; t++) {
                String modality = t == 0 ? ExtractResult.BOS : t >= start && t < end ? ExtractResult.IMAGE : ExtractResult.TEXT;
                tokens.add(new ExtractResult.TokenRow(l, t, modality, layer.phi()[t], layer.sink()[t]));
            }
            addHeads(heads, l, ExtractResult.QUERY_LAST, layer.last());
            if (layer.textMean() != null) {
                addHeads(heads, l, ExtractResult.QUERY_TEXT_MEAN, layer.textMean());
            }
            if (layer.dims() != null) {
                SampleStatistics.Dims d = layer.dims();
                for (int dim = 0; dim < d.countAboveFloor().length; dim++) {
                    if (d.countAboveFloor()[dim] > 0) {
                        dims.add(new ExtractResult.DimRow(l, dim, d.countAboveFloor()[dim], d.maxRatio()[dim], d.sumAboveFloor()[dim]));
                    }
                }
            }
            boolean[] sink = layer.sink();
            attention.addAll(PanelAttention.rows(l, layer.lastAttention(), layout, i -> sink[start + i]));
        }
        return new ExtractResult(end - start, seqLen, ms, tokens, heads, dims, attention);
    }

    private static void addHeads(List<ExtractResult.HeadRow> out, int layer, String query, SampleStatistics.Heads h) {
        for (int i = 0; i < h.imageAttention().length; i++) {
            out.add(new ExtractResult.HeadRow(layer, i, query, h.imageAttention()[i], h.visualSinkShare()[i], h.textSinkAttention()[i],
                    h.imageCentric()[i]));
        }
    }

    @Override
    public Prediction predict(SampleInput sample, EvalConfig config, List<Integer> attentionLayers) throws SampleException {
        return predict(List.of(sample), config, attentionLayers).get(0).valueOrThrow();
    }

    /**
     * Generation of each sample under {@code config}: its registered intervention's hook and next-token choice
     * ({@link sinkscope.intervention.Intervention#nextToken}: decoding mode, optional second input, drawn from the
     * sample's seed {@link Context#seed(long, String, String)} of the run's seed, its question id and the config name),
     * and an attention probe; the configurations of a sample, and the samples of a batch with the same image, share its
     * image features ({@link Shared}). Several
     * samples go through one batched generation ({@link Lmm#generate(NDManager, List, List, List, List, List)}, the
     * second inputs as rows of their own), each with its own token budget; a batch the model fails on is run again
     * sample by sample, so an error lands on its sample. A batched sample's {@code latency_ms} is the batch's time over
     * its size. OPERA ({@link NextToken#opera}) runs its own beam search sample by sample ({@link OperaDecoder}), the
     * probe seeing its prompt's prefill.
     */
    @Override
    public List<Outcome<Prediction>> predict(List<SampleInput> samples, EvalConfig config, List<Integer> attentionLayers) {
        long t0 = System.nanoTime();
        List<Outcome<Prediction>> out = new ArrayList<>(java.util.Collections.nCopies(samples.size(), null));
        List<Object> shared = shared(samples);
        List<Integer> good = new ArrayList<>();
        List<Inputs> inputs = new ArrayList<>();
        List<NDArray> features = new ArrayList<>();
        List<GenerateOptions> opts = new ArrayList<>();
        List<AttentionHook> hooks = new ArrayList<>();
        List<Contrast> contrasts = new ArrayList<>();
        List<sinkscope.model.decoding.Opera> operas = new ArrayList<>();
        List<LastTokenImageAttention> probes = new ArrayList<>();
        List<Integer> kept = attentionLayers.stream().filter(l -> l >= 0 && l < model.numLayers()).toList();
        Settings settings = config.settings();
        try (NDManager m = model.newSampleManager()) {
            for (int i = 0; i < samples.size(); i++) {
                SampleInput sample = samples.get(i);
                try {
                    if (shared.get(i) instanceof SampleException e) {
                        throw e;
                    }
                    Shared sh = (Shared) shared.get(i);
                    settings.intervention().check(settings, model.numLayers());
                    Context context = new Context(m, model.numLayers(), sinkDims, tau, sample.questionId(), sh.inputs(), model.config().imageTokenIds(),
                            Context.seed(seed, sample.questionId(), config.name()));
                    AttentionHook intervention = settings.intervention().hook(settings, context);
                    NextToken next = settings.intervention().nextToken(settings, context);
                    boolean[] objectPatches = sample.box() == null ? null : model.objectPatches(sh.inputs(), sample.box());
                    LastTokenImageAttention probe = new LastTokenImageAttention(model.numLayers(), objectPatches, kept);
                    good.add(i);
                    inputs.add(sh.inputs());
                    features.add(sh.features());
                    opts.add(new GenerateOptions(sample.maxNewTokens() > 0 ? sample.maxNewTokens() : maxNewTokens, true, 0, false,
                            next == null ? Decoding.GREEDY : next.decoding()));
                    hooks.add(AttentionHook.chain(intervention, probe));
                    contrasts.add(next == null ? null : next.contrast());
                    operas.add(next == null ? null : next.opera());
                    probes.add(probe);
                } catch (SampleException e) {
                    out.set(i, new Outcome<>(null, e));
                } catch (RuntimeException e) {
                    out.set(i, new Outcome<>(null, new SampleException("model", e.getMessage(), e)));
                }
            }
            if (good.isEmpty()) {
                return out;
            }
            List<Generation> generations;
            try {
                if (operas.stream().anyMatch(java.util.Objects::nonNull)) { // OPERA's own beam search, sample by sample
                    generations = new ArrayList<>();
                    for (int j = 0; j < good.size(); j++) {
                        sinkscope.model.decoding.Opera o = operas.get(j);
                        generations.add(o == null ? model.generate(m, inputs.get(j), features.get(j), opts.get(j), hooks.get(j), contrasts.get(j))
                                : OperaDecoder.generate(model, m, inputs.get(j), features.get(j), o, opts.get(j).maxNewTokens(), true, false, hooks.get(j))
                                        .generation());
                    }
                } else if (good.size() == 1) {
                    generations = List.of(model.generate(m, inputs.get(0), features.get(0), opts.get(0), hooks.get(0), contrasts.get(0)));
                } else {
                    generations = model.generate(m, inputs, features, opts, hooks, contrasts);
                }
            } catch (RuntimeException e) {
                if (good.size() == 1) {
                    out.set(good.get(0), new Outcome<>(null, new SampleException("model", e.getMessage(), e)));
                    return out;
                }
                for (int i : good) { // isolate the sample the model fails on
                    out.set(i, predict(List.of(samples.get(i)), config, attentionLayers).get(0));
                }
                return out;
            }
            long ms = Math.round((System.nanoTime() - t0) / 1e6 / good.size());
            for (int j = 0; j < good.size(); j++) {
                LastTokenImageAttention probe = probes.get(j);
                Inputs in = inputs.get(j);
                List<ExtractResult.AttentionRow> attention = new ArrayList<>();
                for (int layer : kept) {
                    attention.addAll(PanelAttention.rows(layer, probe.row(layer), in.layout(), null));
                }
                String answer = model.decodeText(generations.get(j).tokens()).strip();
                out.set(good.get(j), new Outcome<>(new Prediction(answer, ms, probe.image(), probe.object(), attention), null));
            }
            return out;
        }
    }

    /**
     * What the configurations of one sample share: the processor's inputs (tokenized prompt, pixel values) and the
     * vision tower's features, made once and kept (per task thread) while the samples of the current batch are asked
     * for. The features are the image's ({@link Vision}), shared by every sample of the batch with the same image (the
     * questions about one image), so that image goes through the vision tower once per batch, not once per sample and
     * configuration, and the prompts' image rows are the same array: what lets a batch compute their common prefix once
     * ({@link Lmm#generate(NDManager, List, List, List, List, List)}). Evaluation rows come sorted by image, sample and
     * configuration and are batched by sample.
     */
    private record Shared(String key, NDManager manager, Inputs inputs, NDArray features) {}

    /** One image's vision features, in a manager of their own. */
    private record Vision(NDManager manager, NDArray features) {}

    private final ThreadLocal<java.util.Map<String, Shared>> current = ThreadLocal.withInitial(java.util.LinkedHashMap::new);
    private final ThreadLocal<java.util.Map<String, Vision>> images = ThreadLocal.withInitial(java.util.LinkedHashMap::new);
    private final java.util.Set<NDManager> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Each sample's {@link Shared} or its {@link SampleException}; the thread's other shared samples and images are closed. */
    private List<Object> shared(List<SampleInput> samples) {
        java.util.Map<String, Shared> cache = current.get();
        java.util.Map<String, Vision> vision = images.get();
        List<Object> out = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<String> imageKeys = new ArrayList<>();
        for (SampleInput sample : samples) {
            String image = imageKey(sample);
            imageKeys.add(image);
            try {
                keys.add(sample.questionId() + "\u0000" + image + "\u0000" + prompt(sample));
            } catch (SampleException e) {
                keys.add(null);
            }
        }
        cache.entrySet().removeIf(e -> drop(!shareVision || !keys.contains(e.getKey()), e.getValue().manager()));
        vision.entrySet().removeIf(e -> drop(!shareVision || !imageKeys.contains(e.getKey()), e.getValue().manager()));
        for (int i = 0; i < samples.size(); i++) {
            String key = keys.get(i);
            Shared s = key == null ? null : cache.get(key);
            if (s == null) {
                try {
                    s = load(samples.get(i), key, imageKeys.get(i), vision);
                    cache.put(key, s);
                    open.add(s.manager());
                } catch (SampleException e) {
                    out.add(e);
                    continue;
                }
            }
            out.add(s);
        }
        return out;
    }

    private boolean drop(boolean drop, NDManager manager) {
        if (drop) {
            open.remove(manager);
            manager.close();
        }
        return drop;
    }

    /** Which image a sample shows: its path, or a SHA-256 of its bytes. */
    private static String imageKey(SampleInput sample) {
        if (sample.imageBytes() == null) {
            return "path:" + sample.imagePath();
        }
        try {
            return "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(sample.imageBytes()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Shared load(SampleInput sample, String key, String imageKey, java.util.Map<String, Vision> vision) throws SampleException {
        String prompt = prompt(sample);
        BufferedImage image = image(sample);
        NDManager m = model.newSampleManager();
        try {
            Inputs inputs = encode(m, prompt, image);
            NDArray features = null;
            if (inputs.pixelValues() != null && !shareVision) {
                features = model.imageFeatures(m, inputs);
            } else if (inputs.pixelValues() != null) {
                Vision v = vision.get(imageKey);
                if (v == null) {
                    NDManager vm = model.newSampleManager();
                    try {
                        v = new Vision(vm, model.imageFeatures(vm, inputs));
                    } catch (RuntimeException e) {
                        vm.close();
                        throw e;
                    }
                    vision.put(imageKey, v);
                    open.add(vm);
                }
                features = v.features();
            }
            return new Shared(key, m, inputs, features);
        } catch (SampleException e) {
            m.close();
            throw e;
        } catch (RuntimeException e) {
            m.close();
            throw new SampleException("model", e.getMessage(), e);
        }
    }

    /**
     * {@code -Dsinkscope.shareVision=false} (read when the runner is made) runs the vision tower for every sample and
     * configuration again.
     */
    private final boolean shareVision = !"false".equals(System.getProperty("sinkscope.shareVision"));

    private String prompt(SampleInput sample) throws SampleException {
        if (sample.question() == null || sample.question().isBlank()) {
            throw new SampleException("prompt", "empty question");
        }
        return template.render(sample.question());
    }

    /** Tokenizer and image processor; an image the processor refuses (e.g. beyond max_pixels' limits) is the image's error. */
    private Inputs encode(NDManager m, String prompt, BufferedImage image) throws SampleException {
        try {
            return model.encode(m, prompt, image, imageOptions);
        } catch (ImageProcessingException e) {
            throw new SampleException("image", e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new SampleException("prompt", e.getMessage(), e);
        }
    }

    private BufferedImage image(SampleInput sample) throws SampleException {
        try {
            if (sample.imageBytes() != null) {
                return decoder.decode(sample.imageBytes(), sample.describe());
            }
            if (sample.imagePath() == null) {
                throw new SampleException("image", "no image path or bytes");
            }
            return decoder.decode(sinkscope.data.Storage.path(sample.imagePath()));
        } catch (ImageException e) {
            throw new SampleException("image", e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        open.forEach(NDManager::close);
        open.clear();
        model.close();
    }
}
