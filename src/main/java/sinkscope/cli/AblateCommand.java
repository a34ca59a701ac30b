package sinkscope.cli;

import ai.djl.ndarray.NDManager;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sinkscope.model.Lmm;
import sinkscope.sink.SinkAblation;
import sinkscope.sink.VarParams;

/** {@code ablate}: mask the visual sink tokens (or as many random image tokens) and report the answer change and KL. */
@Command(name = "ablate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "sink-token ablation vs random ablation: answer change and first-token KL against the baseline")
final class AblateCommand implements Callable<Integer> {
    @Mixin
    ModelFlags.ImageFlags image;
    @Mixin
    ModelFlags modelFlags;
    @Option(names = "--max-new-tokens", paramLabel = "INT", order = 50, defaultValue = "16", description = "answer length limit (default: ${DEFAULT-VALUE})")
    int maxNew;
    @Option(names = "--seed", paramLabel = "INT", order = 51, defaultValue = "0", description = "seed of the random ablation (default: ${DEFAULT-VALUE})")
    long seed;
    @Mixin
    VarFlags varFlags;

    @Override
    public Integer call() throws Exception {
        ModelFlags.Sample in = modelFlags.sample(image.image, image.pixelValues, false);
        VarParams params = varFlags.params(in.config());
        try (Lmm model = in.load(); NDManager m = model.newSampleManager()) {
            SinkAblation r = SinkAblation.run(model, m, in.inputs(m, model), params, seed, maxNew);
            System.out.println("baseline:         " + model.decodeText(r.answers()[0]).strip());
            System.out.printf("sinks ablated:    %s   (changed: %s, first-token KL %.4g nats)%n", model.decodeText(r.answers()[1]).strip(),
                    r.sinkAnswerChanged(), r.klSinks());
            System.out.printf("random ablated:   %s   (changed: %s, first-token KL %.4g nats)%n", model.decodeText(r.answers()[2]).strip(),
                    r.randomAnswerChanged(), r.klRandom());
            System.out.println("visual sinks masked per layer: " + java.util.Arrays.toString(r.ablatedPerLayer()));
        }
        return Main.OK;
    }
}
