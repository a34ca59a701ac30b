package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sinkscope.model.ForwardStep;
import sinkscope.model.Torch;

/**
 * The sink statistics of an fp16 hidden state with a massive activation: at hidden 4096 a value of 3000 squares to
 * 9e6, far past fp16's 65504, so an RMS computed in fp16 is inf and phi 0. They must be computed in fp32.
 */
class Fp16SinkStatisticsTest {
    private static final int D = 4096;
    private static final int T = 6;
    private static final int SINK_DIM = 1415;
    private static final float MASSIVE = 3000f;

    @BeforeAll
    static void engine() {
        Torch.configure(2);
    }

    /** [1, T, D] fp16: every entry 0.5, token 2 has 3000 in the sink dimension. */
    private static NDArray hidden(NDManager m) {
        float[] v = new float[T * D];
        java.util.Arrays.fill(v, 0.5f);
        v[2 * D + SINK_DIM] = MASSIVE;
        return m.create(v, new Shape(1, T, D)).toType(DataType.FLOAT16, false);
    }

    /** phi of the massive token in exact arithmetic: 3000 / sqrt((3000^2 + 4095 * 0.25) / 4096 + 1e-6) = 64.00. */
    private static double expectedPhi() {
        return MASSIVE / Math.sqrt((MASSIVE * (double) MASSIVE + (D - 1) * 0.25) / D + 1e-6);
    }

    @Test
    void fp16OverflowsWhereTheStatisticsWouldBeComputedInIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray h = hidden(m);
            float rmsInFp16 = h.square().mean(new int[] {-1}).toType(DataType.FLOAT32, false).toFloatArray()[2];
            assertTrue(Float.isInfinite(rmsInFp16), "the premise: the mean square of the massive token overflows in fp16, got " + rmsInFp16);
        }
    }

    @Test
    void sinkScoreOfAnFp16HiddenStateIsComputedInFp32() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] phi = SinkScore.phi(hidden(m), new int[] {SINK_DIM, 7}).toFloatArray();
            assertEquals(expectedPhi(), phi[2], 1e-3 * expectedPhi(), "phi of the massive token");
            assertEquals(64.00, phi[2], 0.01);
            double plain = 0.5 / Math.sqrt(0.25 + 1e-6);
            assertEquals(plain, phi[0], 1e-3, "phi of a plain token");
        }
    }

    @Test
    void sampleStatisticsOfAnFp16HiddenStateAreComputedInFp32() {
        try (NDManager m = NDManager.newBaseManager()) {
            SampleStatistics stats = new SampleStatistics(new int[] {SINK_DIM}, 20.0, 20.0, 0.2, 0.5, Set.of());
            // tokens 1..4 are the image
            ForwardStep prefill = new ForwardStep(-1, 0, T, 1, 5, 1);
            stats.onLayerInput(0, hidden(m), prefill);
            NDArray attn = m.ones(new Shape(1, 2, T, T)).div(T).toType(DataType.FLOAT16, false);
            stats.onAttention(0, attn, prefill);
            SampleStatistics.Layer layer = stats.layers().get(0);
            assertEquals(expectedPhi(), layer.phi()[2], 1e-3 * expectedPhi());
            assertTrue(layer.sink()[2] && !layer.sink()[1] && !layer.sink()[3], "only the massive token is a sink");
            assertEquals(1, layer.dims().countAboveFloor()[SINK_DIM]);
            assertEquals(expectedPhi(), layer.dims().maxRatio()[SINK_DIM], 1e-3 * expectedPhi());
            assertEquals(expectedPhi(), layer.dims().sumAboveFloor()[SINK_DIM], 1e-3 * expectedPhi());
            // uniform attention over 6 keys: 4/6 on the image, a quarter of it on the one visual sink
            assertEquals(4.0 / 6, layer.last().imageAttention()[0], 2e-3);
            assertEquals(0.25, layer.last().visualSinkShare()[0], 2e-3);
        }
    }
}
