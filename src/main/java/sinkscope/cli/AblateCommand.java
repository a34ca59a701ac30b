package sinkscope.cli;

import ai.djl.ndarray.NDManager;
import sinkscope.model.Lmm;
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
        ModelFlags.Sample in = ModelFlags.Sample.parse(a, false);
        int maxNew = a.integer("max-new-tokens", 16);
        long seed = a.integer("seed", 0);
        VarParams params = ModelFlags.varParams(a, in.config());
        a.requireAllUsed();
        try (Lmm model = in.load(); NDManager m = model.newSampleManager()) {
            SinkAblation r = SinkAblation.run(model, m, in.inputs(m, model), params, seed, maxNew);
            System.out.println("baseline:         " + model.decodeText(r.answers()[0]).strip());
            System.out.printf("sinks ablated:    %s   (changed: %s, first-token KL %.4g nats)%n", model.decodeText(r.answers()[1]).strip(),
                    r.sinkAnswerChanged(), r.klSinks());
            System.out.printf("random ablated:   %s   (changed: %s, first-token KL %.4g nats)%n", model.decodeText(r.answers()[2]).strip(),
                    r.randomAnswerChanged(), r.klRandom());
            System.out.println("visual sinks masked per layer: " + java.util.Arrays.toString(r.ablatedPerLayer()));
        }
        return 0;
    }
}
