package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import sinkscope.Allclose;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;

/** Batch &gt; 1: each item gets its own sinks (the released code merges them); a batch equals its items run alone. */
class VarBatchTest {

    @Test
    void twoStackedItemsGiveEachItemsOwnResult() {
        Torch.configure(1);
        var dir = VarGoldenTest.dir;
        JsonObject manifest = VarGoldenTest.manifest;
        JsonObject c = null;
        for (JsonElement e : manifest.getAsJsonArray("cases")) {
            if (e.getAsJsonObject().get("name").getAsString().startsWith("a1")) {
                c = e.getAsJsonObject();
            }
        }
        VarParams params = VarGoldenTest.params(c);
        int im = VarGoldenTest.im();
        int pa = VarGoldenTest.pa();
        double tol = VarGoldenTest.attnTolerance();
        String edgeFile = manifest.getAsJsonObject("inputs").getAsJsonObject("edge").get("file").getAsString();
        try (NDManager m = NDManager.newBaseManager(); SafeTensors main = SafeTensors.open(VarGoldenTest.inputsFile(c));
             SafeTensors edge = SafeTensors.open(dir.resolve(edgeFile));
             SafeTensors exp = SafeTensors.open(dir.resolve(c.get("expected_file").getAsString()))) {
            NDArray h0 = main.load(m, "hidden_states");
            NDArray a0 = main.load(m, "attn");
            NDArray h1 = edge.load(m, "hidden_states");
            NDArray a1 = edge.load(m, "attn");
            VarReplay.Result both = VarReplay.run(m, h0.concat(h1, 1), a0.concat(a1, 1), false, im, pa, params);
            VarReplay.Result alone = VarReplay.run(m, h1, a1, false, im, pa, params);

            assertArrayEquals(exp.longs("sink_mask"), VarGoldenTest.u8(both.sinkMask().get(":, 0")), "item 0 sink_mask = golden a1");
            assertArrayEquals(exp.longs("headfork_mask"), VarGoldenTest.u8(both.headforkMask().get(":, 0")), "item 0 headfork_mask = golden a1");
            assertArrayEquals(exp.longs("var_rows_mask"), VarGoldenTest.u8(both.varRowsMask().get(":, 0")), "item 0 var_rows_mask = golden a1");
            Allclose.assertClose("item 0 attn_out = golden a1", both.attnOut().get(":, 0").toFloatArray(), exp.floats("attn_out"), tol, 0);

            assertArrayEquals(VarGoldenTest.u8(alone.sinkMask()), VarGoldenTest.u8(both.sinkMask().get(":, 1:2")), "item 1 sink_mask");
            assertArrayEquals(VarGoldenTest.u8(alone.headforkMask()), VarGoldenTest.u8(both.headforkMask().get(":, 1:2")), "item 1 headfork_mask");
            assertArrayEquals(VarGoldenTest.u8(alone.varRowsMask()), VarGoldenTest.u8(both.varRowsMask().get(":, 1:2")), "item 1 var_rows_mask");
            Allclose.assertClose("item 1 attn_out", both.attnOut().get(":, 1:2").toFloatArray(), alone.attnOut().toFloatArray(), tol, 0);
        }
    }
}
