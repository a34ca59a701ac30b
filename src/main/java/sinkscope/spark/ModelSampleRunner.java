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
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;
import sinkscope.sink.KnownSinkDims;
import sinkscope.sink.LastTokenImageAttention;
import sinkscope.sink.SampleStatistics;
import sinkscope.sink.SinkAblationHook;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/**
 * A {@link SampleRunner} on any supported family (chosen by the checkpoint's config.json): one loaded model shared by the executor's task threads, each sample
 * in its own {@link NDManager}. Extraction is one prefill with {@link SampleStatistics} reducing every layer on the
 * device; prediction is greedy generation (EOS stops) with the configuration's hook ({@link VarHook},
 * {@link SinkAblationHook}) and {@link LastTokenImageAttention} for the grounding figures.
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

    public ModelSampleRunner(RunnerSpec spec, DeviceAssignment assignment) {
        Torch.configure(assignment.threads());
        Device device = Torch.device(assignment.device());
        DataType dtype = spec.dtype() == null || spec.dtype().equals("auto") ? Torch.defaultDtype(device) : Torch.dtype(spec.dtype());
        Path dir = spec.modelDir() == null ? BundledModel.path() : Path.of(spec.modelDir());
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
        model = Families.load(dir, device, dtype);
        try {
            template = PromptTemplate.of(spec.template() == null || spec.template().equals("model") ? model.defaultTemplate() : spec.template());
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
        long t0 = System.nanoTime();
        BufferedImage image = image(sample);
        String prompt = prompt(sample);
        double floor = Double.isNaN(options.dimFloor()) ? tau : options.dimFloor();
        SampleStatistics stats = new SampleStatistics(sinkDims, tau, floor, options.summ(), options.rho(),
                new HashSet<>(options.attentionLayers()));
        int start;
        int end;
        int seqLen;
        ImageLayout layout;
        try (NDManager m = model.newSampleManager(); KvCache cache = new KvCache(model.numLayers())) {
            Inputs inputs = encode(m, prompt, image);
            Merged merged = model.merge(m, inputs, model.imageFeatures(m, inputs));
            model.prefill(m, merged, cache, stats);
            start = merged.imageStart();
            end = merged.imageEnd();
            seqLen = merged.length();
            layout = inputs.layout();
        } catch (RuntimeException e) {
            throw new SampleException("model", e.getMessage(), e);
        }
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
        return new ExtractResult(end - start, seqLen, Math.round((System.nanoTime() - t0) / 1e6), tokens, heads, dims, attention);
    }

    private static void addHeads(List<ExtractResult.HeadRow> out, int layer, String query, SampleStatistics.Heads h) {
        for (int i = 0; i < h.imageAttention().length; i++) {
            out.add(new ExtractResult.HeadRow(layer, i, query, h.imageAttention()[i], h.visualSinkShare()[i], h.textSinkAttention()[i],
                    h.imageCentric()[i]));
        }
    }

    @Override
    public Prediction predict(SampleInput sample, EvalConfig config, List<Integer> attentionLayers) throws SampleException {
        long t0 = System.nanoTime();
        Shared shared = shared(sample);
        VarParams base = VarParams.official(sinkDims).withTau(tau);
        try (NDManager m = model.newSampleManager()) {
            AttentionHook intervention = switch (config.kind()) {
                case "baseline" -> null;
                case "var" -> new VarHook(m, new VarParams(config.parameter("tau", tau), config.parameter("rho"), config.parameter("summ"),
                        config.parameter("p"), config.parameter("last", base.exceptLastLayer() ? 0 : 1) == 0, sinkDims, base.headRule(),
                        (int) config.parameter("from", base.sinkLayersFrom())), false);
                case "ablate_sinks" -> new SinkAblationHook(m, base, SinkAblationHook.Target.VISUAL_SINKS, 0);
                case "ablate_random" -> new SinkAblationHook(m, base, SinkAblationHook.Target.RANDOM_IMAGE_TOKENS,
                        sample.questionId() == null ? 0 : sample.questionId().hashCode());
                default -> throw new SampleException("evaluate", "unknown configuration kind " + config.kind());
            };
            Inputs inputs = shared.inputs();
            boolean[] objectPatches = sample.box() == null ? null : model.objectPatches(inputs, sample.box());
            List<Integer> kept = attentionLayers.stream().filter(l -> l >= 0 && l < model.numLayers()).toList();
            LastTokenImageAttention probe = new LastTokenImageAttention(model.numLayers(), objectPatches, kept);
            Generation g = model.generate(m, inputs, shared.features(), new GenerateOptions(sample.maxNewTokens() > 0 ? sample.maxNewTokens() : maxNewTokens,
                    true, 0), AttentionHook.chain(intervention, probe));
            String answer = model.decodeText(g.tokens()).strip();
            List<ExtractResult.AttentionRow> attention = new ArrayList<>();
            for (int layer : kept) {
                attention.addAll(PanelAttention.rows(layer, probe.row(layer), inputs.layout(), null));
            }
            return new Prediction(answer, Math.round((System.nanoTime() - t0) / 1e6), probe.image(), probe.object(), attention);
        } catch (RuntimeException e) {
            throw new SampleException("model", e.getMessage(), e);
        }
    }

    /**
     * What the configurations of one sample share: the decoded image, the processor's inputs and the vision tower's
     * features, made once and kept (per task thread) until the next sample. Evaluation rows come sorted by sample then
     * configuration, so each sample's image goes through the vision tower once, not once per configuration.
     */
    private record Shared(String key, NDManager manager, Inputs inputs, NDArray features) implements AutoCloseable {
        @Override
        public void close() {
            manager.close();
        }
    }

    private final ThreadLocal<Shared> lastSample = new ThreadLocal<>();
    private final java.util.Set<Shared> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Shared shared(SampleInput sample) throws SampleException {
        String prompt = prompt(sample);
        String key = sample.questionId() + "\u0000" + sample.imagePath() + "\u0000"
                + (sample.imageBytes() == null ? "" : java.util.Arrays.hashCode(sample.imageBytes())) + "\u0000" + prompt;
        Shared last = lastSample.get();
        if (last != null && shareVision && last.key().equals(key)) {
            return last;
        }
        if (last != null) {
            open.remove(last);
            last.close();
            lastSample.remove();
        }
        BufferedImage image = image(sample);
        NDManager m = model.newSampleManager();
        try {
            Inputs inputs = encode(m, prompt, image);
            NDArray features = inputs.pixelValues() == null ? null : model.imageFeatures(m, inputs);
            Shared s = new Shared(key, m, inputs, features);
            lastSample.set(s);
            open.add(s);
            return s;
        } catch (SampleException e) {
            m.close();
            throw e;
        } catch (RuntimeException e) {
            m.close();
            throw new SampleException("model", e.getMessage(), e);
        }
    }

    /** {@code -Dsinkscope.shareVision=false} (read when the runner is made) runs the vision tower for every configuration again. */
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
            return decoder.decode(Path.of(sample.imagePath()));
        } catch (ImageException e) {
            throw new SampleException("image", e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        open.forEach(Shared::close);
        open.clear();
        model.close();
    }
}
