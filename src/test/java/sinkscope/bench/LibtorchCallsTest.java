package sinkscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonParser;
import java.util.Map;
import org.junit.jupiter.api.Test;
import sinkscope.model.Lmm;
import sinkscope.model.Merged;
import sinkscope.model.Torch;

class LibtorchCallsTest {

    @Test
    void countsTopLevelOpsAndTellsViewsFromKernels() {
        // linear = t (view) + matmul (kernel) nested in it; a bare slice (view); a mean with its inner sum; another thread's op
        String trace = "[{\"name\":\"aten::linear\",\"ph\":\"X\",\"ts\":0,\"dur\":10,\"tid\":1},"
                + "{\"name\":\"aten::t\",\"ph\":\"X\",\"ts\":1,\"dur\":1,\"tid\":1},"
                + "{\"name\":\"aten::matmul\",\"ph\":\"X\",\"ts\":3,\"dur\":6,\"tid\":1},"
                + "{\"name\":\"aten::slice\",\"ph\":\"X\",\"ts\":12,\"dur\":2,\"tid\":1},"
                + "{\"name\":\"aten::as_strided\",\"ph\":\"X\",\"ts\":12.5,\"dur\":1,\"tid\":1},"
                + "{\"name\":\"aten::mean\",\"ph\":\"X\",\"ts\":20,\"dur\":5,\"tid\":1},"
                + "{\"name\":\"aten::sum\",\"ph\":\"X\",\"ts\":20,\"dur\":3,\"tid\":1},"
                + "{\"name\":\"aten::add\",\"ph\":\"X\",\"ts\":2,\"dur\":1,\"tid\":2},"
                + "{\"name\":\"thread_begin\",\"ph\":\"i\",\"ts\":0,\"tid\":1}]";
        LibtorchCalls.Counts c = LibtorchCalls.parse(JsonParser.parseString(trace));
        assertEquals(Map.of("aten::linear", 1, "aten::slice", 1, "aten::mean", 1, "aten::add", 1), c.byOp());
        assertEquals(4, c.calls());
        assertEquals(3, c.kernels(), "the slice launches nothing");
        LibtorchCalls.Counts twice = c.scaled(2);
        assertEquals(c, twice.minus(c, 1));
        assertEquals("add x1, linear x1, mean x1, slice x1", c.histogram());
    }

    @Test
    void countsWhatLibtorchRuns() {
        Torch.configure(1);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(4, 8));
            LibtorchCalls.Counts c = LibtorchCalls.count(() -> x.square().mean(new int[] {-1}, true).add(x).close());
            assertEquals(Map.of("aten::square", 1, "aten::mean", 1, "aten::add", 1), c.byOp());
            assertEquals(3, c.kernels());
        }
    }

    /**
     * A LLaMA decode step stays within the call budget this project holds it to (60 per layer before the rework, 41 after
     * the first pass; at most 30 now), MHA and GQA: the keys and values land in the cache with one write, nothing is
     * concatenated, no weight is transposed per call and the scores are not divided (q arrives scaled).
     */
    @Test
    void llamaDecodeStepPerLayer() {
        Torch.configure(1);
        for (int kvHeads : new int[] {4, 2}) {
            LibtorchCalls.Counts[] steps = new LibtorchCalls.Counts[2];
            for (int i = 0; i < 2; i++) {
                ForwardBench.Settings s = new ForwardBench.Settings(64, 4, kvHeads, 2 + i, 128, 100, 16, 8, 1, 0, 2, "llava");
                try (Lmm model = sinkscope.model.auto.Families.named("llava").random(ForwardBench.shape(s), Device.cpu(), DataType.FLOAT32);
                        NDManager m = model.newSampleManager()) {
                    steps[i] = DecodeBench.stepCalls(model, m, new Merged(m.randomNormal(new Shape(1, 24, 64)), 1, 17));
                }
            }
            LibtorchCalls.Counts layer = steps[1].minus(steps[0], 1);
            String at = "kv heads " + kvHeads + ", calls per layer " + layer.calls() + ": " + layer.histogram();
            assertTrue(layer.calls() <= 30, at);
            assertTrue(layer.kernels() <= 21, at);
            assertEquals(1, layer.byOp().getOrDefault("aten::copy_", 0), "one write of the new keys and values; " + at);
            assertEquals(0, layer.byOp().getOrDefault("aten::cat", 0), "the KV cache is written in place, not concatenated; " + at);
            assertEquals(0, layer.byOp().getOrDefault("aten::t", 0), "no per-call weight transpose; " + at);
            assertEquals(0, layer.byOp().getOrDefault("aten::div_", 0) + layer.byOp().getOrDefault("aten::div", 0), "no division; " + at);
            assertEquals(2, layer.byOp().getOrDefault("aten::layer_norm", 0), "each RMSNorm of a row is one layer_norm; " + at);
        }
    }
}
