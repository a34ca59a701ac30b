package sinkscope.model.decoding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import sinkscope.Allclose;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Torch;

/**
 * The logits-level pieces against transformers / torch numbers: the sampling warpers (the expected row is what
 * transformers 5.18's Temperature(0.7) -> TopK(4) -> TopP(0.8) warpers give), the inverse-CDF draw, VCD's noise
 * schedule (torch's float32 {@code sqrt(alphas_prod)[t]}), the VCD and PAI rules on hand-checkable rows, the replayed
 * draws, and the errors for bad decoding parameters.
 */
class DecodingTest {

    @Test
    void warpersFollowTransformers() {
        Torch.configure(2);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.create(new float[] {1, 2, 3, 4, 0.5f});
            float[] w = Sampling.warp(s, Decoding.sample(0.7, 4, 0.8, 0)).toFloatArray();
            float inf = Float.NEGATIVE_INFINITY;
            assertEquals(inf, w[0]);
            assertEquals(inf, w[1]);
            assertEquals(inf, w[4]);
            Allclose.assertClose("kept scores / T", new float[] {w[2], w[3]}, new float[] {4.2857f, 5.7143f}, 1e-4, 0);
            // top-p 1 and top-k 0 are off; temperature 1 leaves the scores as they are
            assertArrayEquals(s.toFloatArray(), Sampling.warp(s, Decoding.sample(1, 0, 1, 0)).toFloatArray());
            // top-k keeps ties with the k-th score, as transformers' "s < kth" does
            float[] tie = Sampling.warp(m.create(new float[] {3, 1, 3, 2}), Decoding.sample(1, 1, 1, 0)).toFloatArray();
            assertArrayEquals(new float[] {3, inf, 3, inf}, tie);
        }
    }

    @Test
    void drawIsTheInverseCdf() {
        Torch.configure(2);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {0.1f, 0f, 0.6f, 0.3f});
            assertEquals(0, Draws.replay(new double[] {0.05}, null, null).pick(p));
            assertEquals(2, Draws.replay(new double[] {0.1}, null, null).pick(p), "a cumulative boundary goes to the next id of probability > 0");
            assertEquals(2, Draws.replay(new double[] {0.69}, null, null).pick(p));
            assertEquals(3, Draws.replay(new double[] {0.999}, null, null).pick(p));
            // replayed tokens are returned as recorded, never one of probability 0
            Draws tokens = Draws.replay(null, null, new long[] {3, 1});
            assertEquals(3, tokens.pick(p));
            IllegalStateException zero = assertThrows(IllegalStateException.class, () -> tokens.pick(p));
            assertTrue(zero.getMessage().contains("recorded token 1"), zero.getMessage());
            IllegalStateException out = assertThrows(IllegalStateException.class, () -> Draws.replay(new double[0], null, null).uniform());
            assertTrue(out.getMessage().contains("no uniform draw 0"), out.getMessage());
            // a seeded source repeats itself and is not constant
            Draws a = Draws.seeded(5);
            Draws b = Draws.seeded(5);
            double[] da = {a.uniform(), a.uniform(), a.uniform()};
            assertArrayEquals(da, new double[] {b.uniform(), b.uniform(), b.uniform()});
            assertTrue(da[0] != da[1]);
            float[] g = Draws.seeded(1).gaussian(20000);
            double mean = 0;
            double sq = 0;
            for (float x : g) {
                mean += x / g.length;
                sq += x * x / g.length;
            }
            assertEquals(0, mean, 0.03, "normal draws: mean");
            assertEquals(1, sq - mean * mean, 0.05, "normal draws: variance");
        }
    }

    @Test
    void vcdNoiseScheduleIsTheCodes() {
        // torch: betas = sigmoid(linspace(-6, 6, 1000)) * (0.5e-2 - 1e-5) + 1e-5; sqrt(cumprod(1 - betas))[t] and sqrt(1 - ...)[t]
        Torch.configure(2);
        assertArrayEquals(new float[] {0.8630172610282898f, 0.5051745176315308f}, Vcd.schedule(500), "t=500, float32 as torch computes it");
        Allclose.assertClose("t=999 / t=0", new float[] {Vcd.schedule(999)[0], Vcd.schedule(0)[1]},
                new float[] {0.28504252433776855f, 0.004727762658149004f}, 1e-7, 1e-6);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(new float[] {1, -2, 0.5f, 0}, new ai.djl.ndarray.types.Shape(2, 2));
            float[] eps = {0.3f, -1f, 2f, 0.1f};
            float[] noised = Vcd.noise(m, x, 500, Draws.replay(null, eps, null)).toFloatArray();
            float[] c = Vcd.schedule(500);
            float[] xs = x.toFloatArray();
            float[] expect = new float[4];
            for (int i = 0; i < 4; i++) {
                expect[i] = c[0] * xs[i] + c[1] * eps[i];
            }
            Allclose.assertClose("noised", noised, expect, 1e-6, 0);
            assertThrows(IllegalArgumentException.class, () -> Vcd.noise(m, x, 1000, Draws.seeded(0)));
        }
    }

    @Test
    void rulesAsTheCode() {
        Torch.configure(2);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray l = m.create(new float[] {2, 1, 0, -3}, new ai.djl.ndarray.types.Shape(1, 4));
            NDArray c = m.create(new float[] {1, 2, 0, 0}, new ai.djl.ndarray.types.Shape(1, 4));
            // VCD: (1 + a) l - a l', cut where l < log(beta) + max l = 2 + log(0.2) = 0.39
            float inf = Float.NEGATIVE_INFINITY;
            assertArrayEquals(new float[] {3, 0, inf, inf}, new Vcd(1, 0.2).apply(l, c).toFloatArray());
            // PAI: s = log_softmax(l), u = log_softmax(l'); gamma (s - u) + u, cut where s < log(0.1) + max s
            float[] s = l.logSoftmax(-1).toFloatArray();
            float[] u = c.logSoftmax(-1).toFloatArray();
            float[] pai = new PaiGuidance(2).apply(l, c).toFloatArray();
            for (int i = 0; i < 4; i++) {
                float expect = s[i] < Math.log(0.1f) + s[0] ? inf : 2 * (s[i] - u[i]) + u[i];
                assertEquals(expect, pai[i], 1e-5, "pai " + i);
            }
            assertTrue(pai[2] > inf && pai[3] == inf, "0 - 2 > log 0.1 kept, -3 - 2 < log 0.1 cut");
            assertArrayEquals(s, new PaiGuidance(1).apply(l, c).toFloatArray(), 1e-6f, "gamma 1 returns log_softmax(l)");
        }
    }

    @Test
    void badParametersAreClearErrors() {
        assertError("num_beams must be >= 1, got 0", () -> Decoding.beam(0));
        assertError("top_p must be in (0, 1], got 0.0", () -> Decoding.sample(1, 0, 0, 1));
        assertError("top_p must be in (0, 1], got 1.5", () -> Decoding.sample(1, 0, 1.5, 1));
        assertError("temperature must be a finite number > 0, got 0.0", () -> Decoding.sample(0, 0, 1, 1));
        assertError("top_k must be >= 0", () -> Decoding.sample(1, -1, 1, 1));
        assertError("apply to sampling only", () -> new Decoding(Decoding.Mode.GREEDY, 0.5, 0, 1, 1, 1, 0, null));
        assertError("apply to sampling only", () -> new Decoding(Decoding.Mode.BEAM, 1, 0, 0.9, 3, 1, 0, null));
        assertError("apply to beam search only", () -> new Decoding(Decoding.Mode.SAMPLE, 1, 0, 1, 2, 1, 0, null));
        assertError("beam search records no top-k", () -> new GenerateOptions(4, true, 5).with(Decoding.beam(2)));
        assertError("vcd: alpha must be a finite number >= 0", () -> new Vcd(-1, 0.1));
        assertError("vcd: beta must be in (0, 1]", () -> new Vcd(1, 0));
        assertError("pai: gamma must be a finite number >= 0", () -> new PaiGuidance(Double.NaN));
    }

    private static void assertError(String part, org.junit.jupiter.api.function.Executable bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad);
        assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should contain '" + part + "'");
    }
}
