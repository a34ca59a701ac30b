package sinkscope.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import sinkscope.model.Llava;
import sinkscope.model.LlavaConfig;
import sinkscope.model.LlavaProcessor;
import sinkscope.model.Torch;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/** {@code generate}: greedy answer for one image and prompt, optionally with VAR (then a one-line summary of what it did). */
final class GenerateCommand implements Main.Command {
    @Override
    public String summary() {
        return "greedy answer for one image + prompt (--var: with Visual Attention Redistribution)";
    }

    @Override
    public int run(Args a) throws Exception {
        Torch.configure(a.integer("threads", 0));
        Path modelDir = a.path("model");
        String prompt = a.string("prompt", "USER: <image>\nWhat is shown in this image? ASSISTANT:");
        Path image = a.path("image", null);
        Path pixelFile = a.path("pixel-values", null);
        int maxNew = a.integer("max-new-tokens", 32);
        boolean var = a.bool("var", false);
        var mode = ModelFlags.imageMode(a);
        Device device = ModelFlags.device(a);
        DataType dtype = ModelFlags.dtype(a, device);
        LlavaConfig config = sinkscope.model.Checkpoint.config(modelDir);
        VarParams params = var ? ModelFlags.varParams(a, config) : null;
        a.requireAllUsed();
        try (Llava model = Llava.load(modelDir, device, dtype); LlavaProcessor processor = LlavaProcessor.load(modelDir, config);
                NDManager m = model.newSampleManager(); VarHook hook = var ? new VarHook(m, params) : null) {
            long[] ids = processor.encode(prompt);
            NDArray pixels = ModelFlags.pixels(m, image, pixelFile, processor, mode);
            Llava.Generation g = model.generate(m, ids, pixels, new Llava.GenerateOptions(maxNew, true, 0), hook);
            System.out.println(processor.decode(g.tokens()).strip());
            System.err.printf("%d tokens %s; prefill %.0f ms, decode %.0f ms%n", g.tokens().length, java.util.Arrays.toString(g.tokens()),
                    g.prefillNanos() / 1e6, g.decodeNanos() / 1e6);
            if (hook != null) {
                VarHook.Summary s = hook.summary();
                System.err.println("var: " + params + "; " + s.oneLine());
            }
        }
        return 0;
    }
}
