package sinkscope.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import sinkscope.data.ImageDecoder;
import sinkscope.data.PromptTemplate;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;
import sinkscope.sink.VarParams;

/** The flags the model commands share: model, device, dtype, threads, image, VAR parameters. */
final class ModelFlags {
    private ModelFlags() {}

    /** The default question of the one-sample commands. */
    static final String DEFAULT_QUESTION = "What is shown in this image?";

    /** The default prompt of the one-sample commands: the default question in the checkpoint's conversation format. */
    static String defaultPrompt(Lmm model) {
        return PromptTemplate.of(model.defaultTemplate()).render(DEFAULT_QUESTION);
    }

    /**
     * The flags of a one-sample model command: {@code --model} (default: the bundled model), {@code --prompt} (the
     * whole prompt, image placeholder included; default: {@link #DEFAULT_QUESTION} in the checkpoint's format),
     * {@code --image} or {@code --pixel-values} (with {@code image_grid_thw} in the file for dynamic-resolution
     * models), {@code --image-mode}, {@code --min-pixels}/{@code --max-pixels}, {@code --device}, {@code --dtype},
     * {@code --threads}.
     */
    record Sample(Path modelDir, String prompt, Path image, Path pixelValues, ImageOptions imageOptions, Device device,
            ai.djl.ndarray.types.DataType dtype, ModelConfig config) {

        /** Reads the flags; {@code promptRequired} makes {@code --prompt} required. Configures the engine. */
        static Sample parse(Args a, boolean promptRequired) {
            Torch.configure(a.integer("threads", 0));
            Path dir = a.path("model", null);
            visionTower(a);
            if (dir == null) {
                dir = sinkscope.model.BundledModel.path();
            }
            String prompt = promptRequired ? a.required("prompt") : a.string("prompt", null);
            Device device = ModelFlags.device(a);
            ai.djl.ndarray.types.DataType dtype = ModelFlags.dtype(a, device);
            ModelConfig config = Families.config(dir);
            sinkscope.model.DeviceCheck.requireFits(device, sinkscope.model.DeviceCheck.weightBytes(config.parameterCount(), dtype), dir.toString());
            return new Sample(dir, prompt, a.path("image", null), a.path("pixel-values", null), ModelFlags.imageOptions(a), device, dtype, config);
        }

        Lmm load() {
            return Families.load(modelDir, device, dtype);
        }

        /** The prompt and image encoded: from {@code --pixel-values FILE} or from the decoded {@code --image}. */
        Inputs inputs(NDManager m, Lmm model) {
            String text = prompt == null ? defaultPrompt(model) : prompt;
            if (pixelValues != null) {
                try (SafeTensors st = SafeTensors.open(pixelValues)) {
                    String name = st.contains("pixel_values") ? "pixel_values" : st.entries().keySet().iterator().next();
                    NDArray p = st.load(m, name);
                    // Qwen2-VL: image_grid_thw; LLaVA-NeXT: image_sizes (height, width) of the original image
                    long[] grid = st.contains("image_grid_thw") ? st.longs("image_grid_thw") : st.contains("image_sizes") ? st.longs("image_sizes") : null;
                    if (p.getShape().dimension() == 3) {
                        p = p.expandDims(0);
                    }
                    return model.encode(m, text, p, grid);
                }
            }
            if (image == null) {
                throw new Args.UsageException("give --image FILE or --pixel-values FILE.safetensors");
            }
            return model.encode(m, text, new ImageDecoder().decode(image), imageOptions);
        }
    }

    /** {@code --vision-tower DIR}: the CLIP directory of an original-layout LLaVA checkpoint (default: its mm_vision_tower). */
    static void visionTower(Args a) {
        Path vt = a.path("vision-tower", null);
        if (vt != null) {
            Families.visionTower(vt);
        }
    }

    static Device device(Args a) {
        return Torch.device(a.string("device", "cpu"));
    }

    static ai.djl.ndarray.types.DataType dtype(Args a, Device d) {
        String s = a.string("dtype", null);
        return s == null ? Torch.defaultDtype(d) : Torch.dtype(s);
    }

    /** {@code --image-mode crop|pad} (LLaVA), {@code --min-pixels N}, {@code --max-pixels N} (Qwen2-VL). */
    static ImageOptions imageOptions(Args a) {
        String m = a.string("image-mode", null);
        if (m != null && !m.equals("crop") && !m.equals("pad")) {
            throw new Args.UsageException("--image-mode expects crop or pad, got '" + m + "'");
        }
        return new ImageOptions(m, a.integer("min-pixels", 0), a.integer("max-pixels", 0));
    }

    /**
     * VAR parameters from {@code --preset} (conf/var.json presets) and the individual flags; sink dims from
     * {@code --sink-dims}, else the known dims of the checkpoint's LLM. Warns when tau cannot fire at this hidden size.
     */
    static VarParams varParams(Args a, ModelConfig config) {
        int[] dims = a.ints("sink-dims");
        if (dims == null) {
            dims = sinkscope.sink.KnownSinkDims.forModel(config.text().nameOrPath(), config.text().hiddenSize())
                    .map(sinkscope.sink.KnownSinkDims.Match::dims)
                    .orElseThrow(() -> new Args.UsageException("no known sink dimensions for this model: give --sink-dims a,b (see sink-dims)"));
        }
        VarParams p = VarParams.preset(a.string("preset", "hallucination"), dims);
        p = new VarParams(a.number("tau", p.tau()), a.number("rho", p.rho()), a.number("summ", p.summ()), a.number("p", p.p()),
                a.bool("except-last-layer", p.exceptLastLayer()), dims, VarParams.HeadRule.parse(a.string("head-rule", p.headRule().name())),
                p.sinkLayersFrom());
        if (a.has("tau-relative")) {
            p = p.withRelativeTau(a.number("tau-relative", VarParams.PAPER_TAU_FRACTION), config.text().hiddenSize());
        }
        if (!p.tauReachable(config.text().hiddenSize())) {
            System.err.printf("warning: tau %.3f can never fire at hidden size %d (phi <= sqrt(D) = %.2f); use --tau-relative 0.3125 for the paper's"
                    + " threshold relative to sqrt(D)%n", p.tau(), config.text().hiddenSize(), Math.sqrt(config.text().hiddenSize()));
        }
        return p;
    }
}
