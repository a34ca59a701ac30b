package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.model.llava.Llava;

/** The evaluation path (no recording, HeadFork only on the rows VAR may rewrite) computes the same bits as the recording one. */
class VarHookRecordingTest {

    @Test
    void leanHookGivesBitIdenticalGenerations() {
        Torch.configure(2);
        Path dir = Golden.llava();
        JsonObject var = Golden.manifest(dir.resolve("var"));
        int[] dims = var.getAsJsonArray("sink_dims").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
        try (Llava model = Llava.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = NDManager.newBaseManager();
                SafeTensors s1 = SafeTensors.open(dir.resolve("tensors/s1.safetensors"))) {
            long[] ids = s1.longs("input_ids");
            NDArray pixels = s1.load(m, "pixel_values");
            for (Map.Entry<String, JsonElement> set : var.getAsJsonObject("parameter_sets").entrySet()) {
                if (!set.getValue().isJsonObject()) {
                    continue; // notes beside the parameter sets
                }
                JsonObject p = set.getValue().getAsJsonObject();
                VarParams params = new VarParams(p.get("tau").getAsDouble(), p.get("rho").getAsDouble(), p.get("summ").getAsDouble(),
                        p.get("p").getAsDouble(), p.get("except_last_layer").getAsBoolean(), dims, VarParams.HeadRule.OFFICIAL, 2);
                GenerateOptions opts = new GenerateOptions(8, false, 16);
                try (VarHook recording = new VarHook(m, params, true); VarHook lean = new VarHook(m, params, false)) {
                    Generation a = model.generate(m, ids, pixels, opts, recording);
                    Generation b = model.generate(m, ids, pixels, opts, lean);
                    assertArrayEquals(a.tokens(), b.tokens(), set.getKey());
                    for (int s = 0; s < a.tokens().length; s++) {
                        assertArrayEquals(a.topValues()[s], b.topValues()[s], set.getKey() + " step " + s);
                    }
                    assertThrows(IllegalStateException.class, lean::summary);
                    int last = model.numLayers() - 1;
                    assertNotNull(recording.sinks(last), set.getKey());
                    assertEquals(params.exceptLastLayer(), lean.sinks(last) == null, set.getKey() + ": the lean hook scores the last layer only if VAR uses it");
                }
            }
        }
    }
}
