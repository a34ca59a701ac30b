package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import sinkscope.model.ForwardStep;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;

/** Sink-token ablation and the PAPER head rule, on the var-unit-a "main" inputs (case a1). */
class SinkAblationAndRulesTest {
    static final JsonObject CASE = VarGoldenTest.manifest.getAsJsonArray("cases").get(0).getAsJsonObject();

    static NDArray[] ablate(NDManager m, SinkAblationHook hook, NDArray hidden, NDArray attn, ForwardStep step) {
        int layers = (int) hidden.getShape().get(0);
        NDArray[] out = new NDArray[layers];
        hook.onStep(step);
        for (int l = 0; l < layers; l++) {
            hook.onLayerInput(l, hidden.get(l), step);
            out[l] = hook.onAttention(l, attn.get(l), step);
        }
        return out;
    }

    @Test
    void ablationZeroesTextQueriesOnSinksAndRenormalises() {
        Torch.configure(1);
        VarParams params = VarGoldenTest.params(CASE);
        int im = VarGoldenTest.im();
        int end = im + VarGoldenTest.pa();
        try (NDManager m = NDManager.newBaseManager(); SafeTensors in = SafeTensors.open(VarGoldenTest.inputsFile(CASE));
             SafeTensors exp = SafeTensors.open(VarGoldenTest.dir.resolve(CASE.get("expected_file").getAsString()))) {
            NDArray hidden = in.load(m, "hidden_states");
            NDArray attn = in.load(m, "attn");
            int layers = (int) hidden.getShape().get(0);
            int t = (int) hidden.getShape().get(2);
            ForwardStep step = new ForwardStep(-1, 0, t, im, end, layers);
            long[] sinkMask = exp.longs("sink_mask");
            for (SinkAblationHook.Target target : SinkAblationHook.Target.values()) {
                try (SinkAblationHook hook = new SinkAblationHook(m, params, target, 7)) {
                    NDArray[] out = ablate(m, hook, hidden, attn, step);
                    for (int l = 0; l < layers; l++) {
                        float[] a = attn.get(l).toFloatArray();
                        float[] o = out[l].toFloatArray();
                        boolean[] keys = hook.ablated(l) == null ? new boolean[t] : hook.ablated(l).toBooleanArray();
                        int visual = 0;
                        int ablatedCount = 0;
                        for (int k = 0; k < t; k++) {
                            boolean isVisualSink = sinkMask[l * t + k] != 0 && k >= im && k < end;
                            visual += isVisualSink ? 1 : 0;
                            ablatedCount += keys[k] ? 1 : 0;
                            if (keys[k]) {
                                assertTrue(k >= im && k < end, "ablated key " + k + " is an image token");
                                assertEquals(target == SinkAblationHook.Target.VISUAL_SINKS, isVisualSink, "layer " + l + " key " + k);
                                if (target == SinkAblationHook.Target.RANDOM_IMAGE_TOKENS) {
                                    assertEquals(0, sinkMask[l * t + k], "random key " + k + " is not a sink");
                                }
                            }
                        }
                        assertEquals(visual, ablatedCount, target + " layer " + l + ": as many ablated keys as visual sinks");
                        int heads = (int) attn.getShape().get(2);
                        for (int row = 0; row < heads * t; row++) {
                            int q = row % t;
                            boolean changes = ablatedCount > 0 && q >= end;
                            double kept = 0;
                            for (int k = 0; k < t; k++) {
                                kept += keys[k] ? 0 : a[row * t + k];
                            }
                            for (int k = 0; k < t; k++) {
                                int i = row * t + k;
                                if (!changes) {
                                    assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(o[i]), "row " + row + " unchanged");
                                } else {
                                    float want = keys[k] ? 0f : (float) (a[i] / kept);
                                    assertEquals(want, o[i], 1e-6, target + " layer " + l + " row " + row + " key " + k);
                                }
                            }
                        }
                    }
                }
            }
            try (SinkAblationHook h1 = new SinkAblationHook(m, params, SinkAblationHook.Target.RANDOM_IMAGE_TOKENS, 11);
                 SinkAblationHook h2 = new SinkAblationHook(m, params, SinkAblationHook.Target.RANDOM_IMAGE_TOKENS, 11)) {
                ablate(m, h1, hidden, attn, step);
                ablate(m, h2, hidden, attn, step);
                assertArrayEquals(h1.ablated(2).toBooleanArray(), h2.ablated(2).toBooleanArray(), "same seed, same tokens");
            }
        }
    }

    @Test
    void paperRuleSelectsOnTheNonSinkShare() {
        Torch.configure(1);
        VarParams official = VarGoldenTest.params(CASE);
        int im = VarGoldenTest.im();
        int pa = VarGoldenTest.pa();
        try (NDManager m = NDManager.newBaseManager(); SafeTensors in = SafeTensors.open(VarGoldenTest.inputsFile(CASE));
             SafeTensors exp = SafeTensors.open(VarGoldenTest.dir.resolve(CASE.get("expected_file").getAsString()))) {
            NDArray hidden = in.load(m, "hidden_states");
            NDArray attn = in.load(m, "attn");
            float[] portion = exp.floats("diag.portion");
            float[] summation = exp.floats("diag.summation");
            int layers = (int) hidden.getShape().get(0);
            int per = (int) (attn.getShape().get(1) * attn.getShape().get(2) * attn.getShape().get(3));
            for (double rho : new double[] {0.5, 0.8}) {
                VarParams paper = official.withHeadRule(VarParams.HeadRule.PAPER);
                paper = new VarParams(paper.tau(), rho, paper.summ(), paper.p(), paper.exceptLastLayer(), paper.sinkDims(), paper.headRule(), 2);
                for (int l = 2; l < layers; l++) {
                    SinkTokens s = SinkTokens.detect(m, hidden.get(l), paper, im, im + pa);
                    if (s.visualPositions(0).length == 0) {
                        continue;
                    }
                    boolean[] got = ImageCentricHeads.select(attn.get(l), s.visual(), im, pa, paper).toBooleanArray();
                    int selected = 0;
                    for (int i = 0; i < per; i++) {
                        boolean want = 1 - portion[l * per + i] >= rho && summation[l * per + i] >= (float) paper.summ();
                        assertEquals(want, got[i], "rho " + rho + " layer " + l + " row " + i);
                        selected += got[i] ? 1 : 0;
                    }
                    assertTrue(selected > 0, "rho " + rho + " layer " + l + " selects something");
                }
            }
        }
    }

    @Test
    void hookSummaryAndDecodeRecordsOverSeveralSteps() {
        Torch.configure(1);
        JsonObject c = VarGoldenTest.manifest.getAsJsonArray("cases").get(2).getAsJsonObject();
        VarParams params = VarGoldenTest.params(c);
        int im = VarGoldenTest.im();
        int end = im + VarGoldenTest.pa();
        try (NDManager m = NDManager.newBaseManager(); SafeTensors in = SafeTensors.open(VarGoldenTest.inputsFile(c));
             SafeTensors exp = SafeTensors.open(VarGoldenTest.dir.resolve(c.get("expected_file").getAsString()));
             VarHook hook = new VarHook(m, params)) {
            NDArray hidden = in.load(m, "hidden_states");
            NDArray attn = in.load(m, "attn");
            int layers = (int) hidden.getShape().get(0);
            int t = (int) hidden.getShape().get(2);
            for (int sample = 0; sample < 2; sample++) {
                ForwardStep prefill = new ForwardStep(-1, 0, t, im, end, layers);
                hook.onStep(prefill);
                for (int l = 0; l < layers; l++) {
                    hook.onLayerInput(l, hidden.get(l), prefill);
                }
                for (int k = 0; k < 3; k++) {
                    ForwardStep step = new ForwardStep(k, t, 1, im, end, layers);
                    hook.onStep(step);
                    for (int l = 0; l < layers; l++) {
                        hook.onAttention(l, attn.get(l).duplicate(), step); // VAR rewrites in place
                    }
                }
                assertEquals(3, hook.decodeSteps(), "a prefill starts a new sample");
                NDArray flags = hook.decodeVarRowsMask();
                assertArrayEquals(new long[] {3, layers, 1, attn.getShape().get(2)}, flags.getShape().getShape());
                long[] once = VarGoldenTest.u8(flags.get(0));
                assertArrayEquals(exp.longs("var_rows_mask"), once, "step 0 flags");
                assertArrayEquals(once, VarGoldenTest.u8(flags.get(2)), "same attention, same flags at step 2");
                VarHook.Summary s = hook.summary();
                int rewritten = 0;
                for (long f : once) {
                    rewritten += (int) f;
                }
                assertEquals(rewritten, s.decodeVarRows()[0]);
                assertTrue(s.toString().contains("decode rows rewritten per step"));
            }
        }
    }
}
