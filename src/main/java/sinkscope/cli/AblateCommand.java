package sinkscope.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import sinkscope.model.Llava;
import sinkscope.model.LlavaConfig;
import sinkscope.model.LlavaProcessor;
import sinkscope.model.Torch;
import sinkscope.sink.SinkAblation;
import sinkscope.sink.VarParams;

/** {@code ablate}: mask the visual sink tokens (or as many random image tokens) and report the answer change and KL. */
final class AblateCommand implements Main.Command {
    @Override
    public String summary() {
        return "sink-token ablation vs random ablation: answer change and first-token KL against the baseline";
    }

    @Override
    public int run(Args a) throws Exception {
        Torch.configure(a.integer("threads", 0));
        Path modelDir = a.path("model");
        String prompt = a.string("prompt", "USER: <image>\nWhat is shown in this image? ASSISTANT:");
        Path image = a.path("image", null);
        Path pixelFile = a.path("pixel-values", null);
        int maxNew = a.integer("max-new-tokens", 16);
        long seed = a.integer("seed", 0);
        var mode = ModelFlags.imageMode(a);
        var device = ModelFlags.device(a);
        var dtype = ModelFlags.dtype(a, device);
        LlavaConfig config = sinkscope.model.Checkpoint.config(modelDir);
        VarParams params = ModelFlags.varParams(a, config);
        a.requireAllUsed();
        try (Llava model = Llava.load(modelDir, device, dtype); LlavaProcessor processor = LlavaProcessor.load(modelDir, config);
                NDManager m = model.newSampleManager()) {
            long[] ids = processor.encode(prompt);
            SinkAblation r = SinkAblation.run(model, m, ids, ModelFlags.pixels(m, image, pixelFile, processor, mode), params, seed, maxNew);
            System.out.println("baseline:         " + processor.decode(r.answers()[0]).strip());
            System.out.printf("sinks ablated:    %s   (changed: %s, first-token KL %.4g nats)%n", processor.decode(r.answers()[1]).strip(),
                    r.sinkAnswerChanged(), r.klSinks());
            System.out.printf("random ablated:   %s   (changed: %s, first-token KL %.4g nats)%n", processor.decode(r.answers()[2]).strip(),
                    r.randomAnswerChanged(), r.klRandom());
            System.out.println("visual sinks masked per layer: " + java.util.Arrays.toString(r.ablatedPerLayer()));
        }
        return 0;
    }
}
