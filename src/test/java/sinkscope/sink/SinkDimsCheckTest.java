package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.junit.jupiter.api.Test;

/** The sink-dims check on hand-worked phi and received attention. */
class SinkDimsCheckTest {

    @Test
    void precisionRecallShareAndLift() {
        SinkDimsCheck c = new SinkDimsCheck(1, new int[] {3}, 2.0, 5.0);
        // 20 image tokens with attention summing to 1 (mean 0.05): outliers (>= 5 x 0.05) are tokens 0 and 1 (0.4 each),
        // the other 18 get 0.2 / 18; predicted (phi > 2) are tokens 0 and 2 (phi 2.0 of token 19 is not above tau)
        float[] received = new float[20];
        float[] phi = new float[20];
        java.util.Arrays.fill(received, 0.2f / 18);
        received[0] = 0.4f;
        received[1] = 0.4f;
        phi[0] = 3f;
        phi[2] = 2.5f;
        phi[19] = 2.0f;
        c.add(0, phi, received);
        // P = {0, 2}, R = {0, 1}: precision 1/2, recall 1/2; share on P = 0.4 + 0.2/18; lift = (share / 2) / 0.05
        assertEquals(0.5, c.precision(0), 1e-12);
        assertEquals(0.5, c.recall(0), 1e-12);
        double share = 0.4 + 0.2 / 18;
        String row = c.table().get(1);
        assertTrue(row.contains(String.format(java.util.Locale.ROOT, "%.3f", share)), row);
        assertTrue(row.contains(String.format(java.util.Locale.ROOT, "%.2f", share / 2 / 0.05)), row);
        // a second sample with no predicted sink and one outlier (0.9 >= 5 x 0.1): recall 1/3, precision stays 1/2
        c.add(0, new float[10], new float[] {0.9f, 0.1f / 9, 0.1f / 9, 0.1f / 9, 0.1f / 9, 0.1f / 9, 0.1f / 9, 0.1f / 9, 0.1f / 9, 0.1f / 9});
        assertEquals(0.5, c.precision(0), 1e-12);
        assertEquals(1 / 3.0, c.recall(0), 1e-12);
    }

    @Test
    void nothingPredictedIsNotAPerfectScore() {
        SinkDimsCheck c = new SinkDimsCheck(1, new int[] {0}, 2.0, 5.0);
        c.add(0, new float[] {0f, 0f}, new float[] {0.5f, 0.5f});
        assertTrue(Double.isNaN(c.precision(0)) && Double.isNaN(c.recall(0)), "no sinks, no outliers: undefined, not 1");
    }
}
