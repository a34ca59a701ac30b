package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Inputs;
import sinkscope.model.KvCache;
import sinkscope.model.Lmm;
import sinkscope.model.Merged;
import sinkscope.model.Prefill;

/**
 * The paper's "removing visual sink tokens barely changes the answer" experiment for one sample: greedy answers
 * and first-token distributions of the baseline, with text queries' attention to the visual sink tokens masked
 * ({@link SinkAblationHook.Target#VISUAL_SINKS}), and with the same number of random non-sink image tokens
 * masked ({@link SinkAblationHook.Target#RANDOM_IMAGE_TOKENS}), in layers 2..L-1.
 *
 * @param answers token ids of the baseline, sink-ablated and random-ablated runs
 * @param klSinks KL(baseline || sink-ablated) of the first-token distribution, nats
 * @param klRandom KL(baseline || random-ablated), nats
 * @param ablatedPerLayer number of sink tokens masked per layer (the random run masks as many)
 */
public record SinkAblation(long[][] answers, double klSinks, double klRandom, int[] ablatedPerLayer) {

    public boolean sinkAnswerChanged() {
        return !java.util.Arrays.equals(answers[0], answers[1]);
    }

    public boolean randomAnswerChanged() {
        return !java.util.Arrays.equals(answers[0], answers[2]);
    }

    /** Runs the three configurations on {@code inputs} (greedy, {@code maxNewTokens}, EOS stops); the image features are made once. */
    public static SinkAblation run(Lmm model, NDManager m, Inputs inputs, VarParams params, long seed, int maxNewTokens) {
        long[][] answers = new long[3][];
        NDArray[] first = new NDArray[3];
        int[] ablated = new int[model.numLayers()];
        try (NDManager scope = m.newSubManager()) {
            NDArray features = model.imageFeatures(scope, inputs);
            for (int run = 0; run < 3; run++) {
                SinkAblationHook hook = run == 0 ? null : new SinkAblationHook(scope, params,
                        run == 1 ? SinkAblationHook.Target.VISUAL_SINKS : SinkAblationHook.Target.RANDOM_IMAGE_TOKENS, seed);
                try (KvCache cache = new KvCache(model.numLayers())) {
                    Merged merged = model.merge(scope, inputs, features);
                    Prefill prefill = model.prefill(scope, merged, cache, hook);
                    first[run] = prefill.lastLogits().duplicate();
                    answers[run] = model.greedy(scope, merged, prefill, cache, new GenerateOptions(maxNewTokens, true, 0), hook).tokens();
                    if (run == 1) {
                        for (int l = 0; l < ablated.length; l++) {
                            NDArray keys = hook.ablated(l);
                            ablated[l] = keys == null ? 0 : (int) keys.toType(ai.djl.ndarray.types.DataType.INT64, false).sum().getLong();
                        }
                    }
                } finally {
                    if (hook != null) {
                        hook.close();
                    }
                }
            }
            return new SinkAblation(answers, FirstTokenDivergence.kl(first[0], first[1]), FirstTokenDivergence.kl(first[0], first[2]), ablated);
        }
    }
}
