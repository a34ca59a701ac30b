package sinkscope.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import sinkscope.data.ImageDecoder;
import sinkscope.model.ClipImageProcessor;
import sinkscope.model.LlavaConfig;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.sink.VarParams;

/** The flags the model commands share: model, device, dtype, threads, image, VAR parameters. */
final class ModelFlags {
    private ModelFlags() {}

    /** The default question of the one-sample commands. */
    static final String DEFAULT_PROMPT = "USER: <image>\nWhat is shown in this image? ASSISTANT:";

    /**
     * The flags of a one-sample model command: {@code --model} (default: the bundled model), {@code --prompt},
     * {@code --image} or {@code --pixel-values}, {@code --image-mode}, {@code --device}, {@code --dtype}, {@code --threads}.
     */
    record Sample(Path modelDir, String prompt, Path image, Path pixelValues, ClipImageProcessor.Mode mode, Device device,
            ai.djl.ndarray.types.DataType dtype, LlavaConfig config) {

        /** Reads the flags; {@code defaultPrompt} null makes {@code --prompt} required. Configures the engine. */
        static Sample parse(Args a, String defaultPrompt) {
            Torch.configure(a.integer("threads", 0));
            Path dir = a.path("model", null);
            if (dir == null) {
                dir = sinkscope.model.BundledModel.path();
            }
            String prompt = defaultPrompt == null ? a.required("prompt") : a.string("prompt", defaultPrompt);
            Device device = ModelFlags.device(a);
            ai.djl.ndarray.types.DataType dtype = ModelFlags.dtype(a, device);
            LlavaConfig config = sinkscope.model.Checkpoint.config(dir);
            sinkscope.model.DeviceCheck.requireFits(device, sinkscope.model.DeviceCheck.weightBytes(config.parameterCount(), dtype), dir.toString());
            return new Sample(dir, prompt, a.path("image", null), a.path("pixel-values", null), imageMode(a), device, dtype, config);
        }

        /** Pixel values [1, 3, S, S] from {@code --pixel-values} or the decoded {@code --image}. */
        NDArray pixels(NDManager m, sinkscope.model.LlavaProcessor processor) {
            return ModelFlags.pixels(m, image, pixelValues, processor, mode);
        }
    }

    static Device device(Args a) {
        return Torch.device(a.string("device", "cpu"));
    }

    static ai.djl.ndarray.types.DataType dtype(Args a, Device d) {
        String s = a.string("dtype", null);
        return s == null ? Torch.defaultDtype(d) : Torch.dtype(s);
    }

    static ClipImageProcessor.Mode imageMode(Args a) {
        String m = a.string("image-mode", "crop");
        return switch (m) {
            case "crop" -> ClipImageProcessor.Mode.CROP;
            case "pad" -> ClipImageProcessor.Mode.PAD;
            default -> throw new Args.UsageException("--image-mode expects crop or pad, got '" + m + "'");
        };
    }

    /** Pixel values [1, 3, S, S]: from {@code --pixel-values FILE} ([1,3,H,W] or [3,H,W]) or from the decoded image. */
    static NDArray pixels(NDManager m, Path image, Path pixelValues, sinkscope.model.LlavaProcessor processor, ClipImageProcessor.Mode mode) {
        if (pixelValues != null) {
            try (SafeTensors st = SafeTensors.open(pixelValues)) {
                String name = st.contains("pixel_values") ? "pixel_values" : st.entries().keySet().iterator().next();
                NDArray p = st.load(m, name);
                if (p.getShape().dimension() == 3) {
                    p = p.expandDims(0);
                }
                Shape s = p.getShape();
                if (s.dimension() != 4 || s.get(0) != 1 || s.get(1) != 3) {
                    throw new IllegalArgumentException(pixelValues + ": tensor '" + name + "' has shape " + s + ", expected [1,3,H,W] or [3,H,W]");
                }
                return p;
            }
        }
        if (image == null) {
            throw new Args.UsageException("give --image FILE or --pixel-values FILE.safetensors");
        }
        return processor.pixelValues(m, new ImageDecoder().decode(image), mode);
    }

    /**
     * VAR parameters from {@code --preset} (conf/var.json presets) and the individual flags; sink dims from
     * {@code --sink-dims}, else the known dims of the checkpoint's LLM. Warns when tau cannot fire at this hidden size.
     */
    static VarParams varParams(Args a, LlavaConfig config) {
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
