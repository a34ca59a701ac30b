package sinkscope.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import org.junit.jupiter.api.Test;

/** How bench-forward turns lockstep runs into a hook's generation overhead. */
class TypicalGenerationsTest {

    @Test
    void aStallInOnePhaseOfOneRunDoesNotMoveTheFigure() {
        // three runs of {A phases, B phases}: prefill then two decode steps; B costs 0.1 more at prefill, 0.01 per step
        double[][][] runs = {
            {{1.0, 0.5, 0.5}, {1.1, 0.51, 0.51}},
            {{1.2, 0.6, 0.5}, {1.3, 0.61, 0.51}}, // the machine slower in this run: both sides alike
            {{1.0, 0.5, 0.5}, {1.1, 0.51, 3.0}}, // B stalled in its last step
        };
        // A: medians 1.0 + 0.5 + 0.5; B adds the median paired differences 0.1 + 0.01 + 0.01
        assertArrayEquals(new double[] {2.0, 2.12}, ForwardBench.typicalGenerations(runs), 1e-12);
    }

    @Test
    void pairingKeepsDriftBetweenRunsOut() {
        // B is always 2% slower than the A it ran beside, while the machine's speed changes by 50% from run to run;
        // medians of A and of B taken apart could come from different runs, the paired differences cannot
        double[][][] runs = {
            {{1.0}, {1.02}},
            {{1.5}, {1.53}},
            {{0.8}, {0.816}},
            {{1.4}, {1.428}},
        };
        double[] t = ForwardBench.typicalGenerations(runs);
        assertArrayEquals(new double[] {1.2, 1.2 + 0.024}, t, 1e-12); // median A (1.0 + 1.4) / 2; median difference (0.02 + 0.028) / 2
    }
}
