package sinkscope.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * MMBench circular evaluation (a question is right only if right under every rotation of its options; the
 * rotations share index % 1e6) and MMVP (a pair scores 1 only when both answers are right): hand-worked.
 */
class GroupedAccuracyTest {

    @Test
    void circularEvaluationNeedsEveryRotation() {
        GroupedAccuracy g = new GroupedAccuracy();
        // question 7 (4 options, 4 rotations: 7, 1000007, 2000007, 3000007): one rotation wrong -> wrong
        g.add(String.valueOf(7 % 1_000_000), "ocr", true);
        g.add(String.valueOf(1_000_007 % 1_000_000), "ocr", true);
        g.add(String.valueOf(2_000_007 % 1_000_000), "ocr", false);
        g.add(String.valueOf(3_000_007 % 1_000_000), "ocr", true);
        // question 8 (2 options): both rotations right -> right
        g.add("8", "ocr", true);
        g.add("8", "ocr", true);
        // question 9, another category, one rotation right
        g.add("9", "scene", true);
        assertEquals(7, g.questions());
        assertEquals(3, g.groups());
        assertEquals(6.0 / 7, g.accuracy(), 1e-12);          // vanilla (per-row) accuracy
        assertEquals(2.0 / 3, g.groupAccuracy(), 1e-12);     // circular accuracy
        assertEquals(Map.of("ocr", 0.5, "scene", 1.0), g.groupAccuracyByCategory());
        assertEquals(5.0 / 6, g.accuracyByCategory().get("ocr"), 1e-12);
        assertEquals(Map.of(1, 1L, 2, 1L, 4, 1L), g.groupSizes());
    }

    @Test
    void mmvpPairs() {
        GroupedAccuracy g = new GroupedAccuracy();
        boolean[] right = {true, true, true, false, false, false, true, true};
        for (int i = 0; i < right.length; i++) {
            g.add(String.valueOf(i / 2), null, right[i]);   // MMVP questions 1-2, 3-4, ... are pairs
        }
        assertEquals(5.0 / 8, g.accuracy(), 1e-12);
        assertEquals(2.0 / 4, g.groupAccuracy(), 1e-12);
        assertEquals(Double.NaN, new GroupedAccuracy().groupAccuracy());
    }
}
