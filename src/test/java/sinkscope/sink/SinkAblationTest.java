package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.model.llava.Llava;

class SinkAblationTest {

    @Test
    void klOfKnownDistributions() {
        Torch.configure(2);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {0f, 0f});
            NDArray q = m.create(new float[] {(float) Math.log(3), 0f}); // Q = (3/4, 1/4), P = (1/2, 1/2)
            double expected = 0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(0.5 / 0.25);
            assertEquals(expected, FirstTokenDivergence.kl(p, q), 1e-6);
            assertEquals(0.0, FirstTokenDivergence.kl(q, q), 1e-7);
        }
    }

    @Test
    void masksTheGoldenVisualSinksAndAsManyRandomTokens() {
        Torch.configure(2);
        Path dir = Golden.llava();
        JsonObject var = Golden.manifest(dir.resolve("var"));
        JsonObject run = var.getAsJsonArray("samples").get(0).getAsJsonObject();
        JsonObject set = var.getAsJsonObject("parameter_sets").getAsJsonObject(run.get("params").getAsString());
        int[] dims = var.getAsJsonArray("sink_dims").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
        int[] expectedSinks = run.getAsJsonArray("visual_sinks_per_layer").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
        VarParams params = VarParams.official(dims).withTau(set.get("tau").getAsDouble());
        try (Llava model = Llava.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = NDManager.newBaseManager();
                SafeTensors st = SafeTensors.open(dir.resolve("tensors/" + run.get("sample").getAsString() + ".safetensors"))) {
            long[] ids = st.longs("input_ids");
            NDArray pixels = st.load(m, "pixel_values");
            SinkAblation a = SinkAblation.run(model, m, model.inputs(ids, pixels), params, 3, 4);
            SinkAblation b = SinkAblation.run(model, m, model.inputs(ids, pixels), params, 3, 4);
            assertArrayEquals(expectedSinks, a.ablatedPerLayer());
            assertTrue(a.klSinks() > 0 && a.klRandom() > 0, "both ablations change the first-token distribution");
            assertEquals(a.klRandom(), b.klRandom(), 0.0, "seeded random ablation is reproducible");
            assertEquals(4, a.answers()[0].length);
        }
    }
}
