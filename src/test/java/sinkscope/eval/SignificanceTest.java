package sinkscope.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * McNemar's exact test = the two-sided exact binomial test of the discordant pairs at p = 1/2; expected values
 * from the definition (hand-worked for small n) and equal to scipy.stats.binomtest(k, n).pvalue. The bootstrap
 * quantile is numpy's default (linear) percentile; numpy.percentile([0.1, 0.4, 0.2, 0.9, 0.5], [2.5, 97.5]) =
 * [0.11, 0.86].
 */
class SignificanceTest {

    @Test
    void mcnemarExactP() {
        // b = 1, c = 9: 2 * (C(10,0) + C(10,1)) / 2^10 = 22 / 1024
        assertEquals(22.0 / 1024, Significance.mcnemarP(1, 9), 1e-15);
        assertEquals(22.0 / 1024, Significance.mcnemarP(9, 1), 1e-15);
        // b = c: capped at 1
        assertEquals(1.0, Significance.mcnemarP(3, 3), 0);
        assertEquals(1.0, Significance.mcnemarP(0, 0), 0);
        // b = 0, c = 5: 2 / 32
        assertEquals(0.0625, Significance.mcnemarP(0, 5), 1e-15);
        // scipy.stats.binomtest(20, 60).pvalue and binomtest(500, 1100).pvalue
        assertEquals(0.01348929373119186, Significance.mcnemarP(20, 40), 1e-12);
        assertEquals(0.0028195449914364284, Significance.mcnemarP(500, 600), 1e-12);
    }

    @Test
    void mcnemarCountsDiscordantPairs() {
        boolean[] base = {true, true, false, false, true, false};
        boolean[] conf = {true, false, true, true, true, true};
        Significance.McNemar m = Significance.mcnemar(base, conf);
        assertEquals(1, m.baselineOnly());
        assertEquals(3, m.configOnly());
        // n = 4, k = 1: 2 * (1 + 4) / 16
        assertEquals(10.0 / 16, m.p(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> Significance.mcnemar(new boolean[1], new boolean[2]));
    }

    @Test
    void quantileIsNumpysLinearPercentile() {
        double[] sorted = {0.1, 0.2, 0.4, 0.5, 0.9};
        assertEquals(0.11, Significance.quantile(sorted, 0.025), 1e-12);
        assertEquals(0.86, Significance.quantile(sorted, 0.975), 1e-12);
        assertEquals(0.4, Significance.quantile(sorted, 0.5), 1e-12);
    }

    @Test
    void bootstrapInterval() {
        // a constant per-question difference has a degenerate interval at that difference
        double[] base = {0.2, 0.4, 0.6, 0.8};
        double[] plus = {0.3, 0.5, 0.7, 0.9};
        Significance.Interval c = Significance.bootstrap(base, plus, 200, 1, 0.95);
        assertEquals(0.1, c.difference(), 1e-12);
        assertEquals(0.1, c.lower(), 1e-12);
        assertEquals(0.1, c.upper(), 1e-12);

        // 400 questions, the config right on 60 more of them than the baseline: an interval around 0.15 that excludes 0
        SplittableRandom r = new SplittableRandom(3);
        int n = 400;
        double[] b = new double[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = r.nextDouble() < 0.5 ? 1 : 0;
            v[i] = i < 60 ? 1 : b[i];
            if (i < 60) {
                b[i] = 0;
            }
        }
        Significance.Interval iv = Significance.bootstrap(b, v, 2000, 42, 0.95);
        assertEquals(0.15, iv.difference(), 1e-12);
        assertTrue(iv.lower() > 0.1 && iv.lower() < 0.15, "lower " + iv.lower());
        assertTrue(iv.upper() > 0.15 && iv.upper() < 0.2, "upper " + iv.upper());
        assertTrue(iv.excludesZero());
        // same seed, same interval; another seed, (almost surely) another
        assertEquals(iv, Significance.bootstrap(b, v, 2000, 42, 0.95));
        assertFalse(iv.equals(Significance.bootstrap(b, v, 2000, 43, 0.95)));

        // no difference on average: 0 inside
        double[] x = {1, 0, 1, 0, 1, 0, 1, 0};
        double[] y = {0, 1, 0, 1, 0, 1, 0, 1};
        Significance.Interval z = Significance.bootstrap(x, y, 1000, 5, 0.9);
        assertEquals(0.0, z.difference(), 1e-12);
        assertFalse(z.excludesZero());
    }
}
