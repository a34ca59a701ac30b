package sinkscope.model.decoding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/**
 * OPERA's arithmetic outside the model: float16 rounding of the column scores, torch.mode's tie rule, the column
 * products, the penalty's switch at 10 window columns, and transformers 4.29's scorer on an EOS continuation.
 */
class OperaArithmeticTest {

    @Test
    void halfRoundsAsFloat16() {
        assertEquals(65504f, Opera.half(65519f));
        assertEquals(Float.POSITIVE_INFINITY, Opera.half(65520f), "ties to even past the largest half");
        assertEquals((float) Math.scalb(1.0, -24), Opera.half(5.0e-8f), "smallest subnormal");
        assertEquals(0f, Opera.half((float) Math.scalb(1.0, -25)), "a tie at half the smallest subnormal goes to even (0)");
        assertEquals((float) Math.scalb(2.0, -24), Opera.half((float) Math.scalb(2.5, -24)), "2.5 units: ties to even (2)");
    }

    @Test
    void modeArgmaxTopAndPenalty() {
        assertEquals(1, Opera.mode(new int[] {3, 1, 3, 1, 2}), "the smallest of the most frequent");
        assertEquals(4, Opera.mode(new int[] {4, 4, 2}));
        assertEquals(1, Opera.argmax(new float[] {0, 2, 2, 1}), "first on ties");
        assertArrayEquals(new long[] {1, 2, 3}, Opera.top(new float[] {0, 5, 5, 4, -1}, 3), "largest first, the lower index on ties");
        Opera p = new Opera(2, 2, 50, 1, 15, 512);
        // window of 2 columns: column 0 = 1e-7 * (50 * 0.5) * (50 * 0.2), column 1 = 1e-7 * (50 * 0.8)
        float[] scores = p.columnScores(new float[][] {{0.5f}}, new float[] {0.2f, 0.8f});
        assertEquals(Opera.half(1e-7f * 250f), scores[0]);
        assertEquals(Opera.half(1e-7f * 40f), scores[1]);
        assertEquals(3f + 0.25f, p.penalized(3f, 10, 0.25f, 1e-5f), "up to 10 columns: image attention is a bonus");
        assertEquals(3f - Opera.half(1e-5f), p.penalized(3f, 11, 0.25f, 1e-5f), "past 10: the rollback score is the penalty");
        assertFalse(Opera.logSoftmax(new float[] {1, 2, 3})[2] > 0);
        assertEquals(1.0, Math.exp(Opera.logSoftmax(new float[] {1, 2, 3})[0]) + Math.exp(Opera.logSoftmax(new float[] {1, 2, 3})[1])
                + Math.exp(Opera.logSoftmax(new float[] {1, 2, 3})[2]), 1e-6);
    }

    @Test
    void legacyScorerFinishesAnEosHypothesisOverTheWholeLength() {
        LegacyBeamScorer s = new LegacyBeamScorer(2, 1.0, id -> id == 2);
        long[][] seqs = {{1, 7}, {1, 8}};
        // best continuation is EOS on beam 0: a hypothesis of length 2 (the EOS not kept), score -0.5 / 2
        LegacyBeamScorer.Next n = s.process(seqs, new float[] {-0.5f, -0.6f, -0.7f, -0.8f}, new long[] {2, 5, 6, 9}, new int[] {0, 1, 0, 1});
        assertArrayEquals(new long[] {5, 6}, n.tokens(), "the EOS continuation is not a beam");
        assertArrayEquals(new int[] {1, 0}, n.indices());
        assertFalse(s.done());
        LegacyBeamScorer copy = s.copy();
        long[] best = s.finalize(new long[][] {{1, 8, 5}, {1, 7, 6}}, new float[] {-5f, -6f}, 10, 2);
        assertArrayEquals(new long[] {1, 7, 2}, best, "-0.25 beats -5/3 and -2: the EOS hypothesis, EOS appended below max_length");
        assertArrayEquals(new long[] {1, 8, 5, 2}, copy.finalize(new long[][] {{1, 8, 5}, {1, 7, 6}}, new float[] {-0.3f, -6f}, 10, 2),
                "the copy kept the EOS hypothesis apart from the finalised original: -0.1 beats it");
    }
}
