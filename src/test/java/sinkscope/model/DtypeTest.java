package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;
import sinkscope.model.llava.Llava;

/** The dtype plumbing a GPU run takes (fp16 weights, float32 softmax and logits), exercised on the CPU. */
class DtypeTest {

    @BeforeAll
    static void engine() {
        Torch.configure(2);
    }

    @Test
    void parsesDevicesAndDtypes() {
        assertEquals(Device.cpu(), Torch.device("cpu"));
        assertEquals(Device.gpu(1), Torch.parseDevice("cuda:1"));
        assertEquals(DataType.FLOAT16, Torch.dtype("fp16"));
        assertEquals(DataType.FLOAT16, Torch.defaultDtype(Device.gpu(0)));
        assertEquals(DataType.FLOAT32, Torch.defaultDtype(Device.cpu()));
        String msg = assertThrows(IllegalArgumentException.class, () -> Torch.dtype("bf16")).getMessage();
        assertTrue(msg.contains("bfloat16"), msg);
        assertThrows(IllegalArgumentException.class, () -> Torch.device("tpu"));
    }

    @Test
    void fp16ModelRunsWithFloat32AttentionAndLogitsCloseToFp32() throws Exception {
        Path dir = Golden.llava();
        try (Llava fp16 = Llava.load(dir, Device.cpu(), DataType.FLOAT16); Llava fp32 = Llava.load(dir, Device.cpu(), DataType.FLOAT32);
                NDManager m = NDManager.newBaseManager(); SafeTensors s0 = SafeTensors.open(dir.resolve("tensors/s0.safetensors"))) {
            assertEquals(DataType.FLOAT16, fp16.parameters().get("language_model.model.layers.0.self_attn.q_proj.weight").getDataType());
            long[] ids = s0.longs("input_ids");
            NDArray pixels = s0.load(m, "pixel_values");
            DataType[] seen = new DataType[1];
            AttentionHook probe = new AttentionHook() {
                @Override
                public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
                    seen[0] = attn.getDataType();
                    return attn;
                }
            };
            float[][] logits = new float[2][];
            Llava[] models = {fp32, fp16};
            for (int i = 0; i < 2; i++) {
                try (KvCache cache = new KvCache(models[i].numLayers())) {
                    Merged merged = models[i].merge(m, ids, models[i].imageFeatures(m, pixels));
                    Prefill p = models[i].prefill(m, merged, cache, probe);
                    assertEquals(DataType.FLOAT32, p.lastLogits().getDataType());
                    logits[i] = p.lastLogits().toFloatArray();
                }
            }
            assertEquals(DataType.FLOAT32, seen[0], "hooks see float32 attention whatever the compute dtype");
            double max = 0;
            for (int i = 0; i < logits[0].length; i++) {
                max = Math.max(max, Math.abs(logits[0][i] - logits[1][i]));
            }
            // fp16 keeps ~3 significant digits; the planted sink rows (values ~60) dominate the error
            assertTrue(max < 0.5, "fp16 vs fp32 last logits max |diff| " + max);
            assertTrue(max > 0, "fp16 must actually compute in half precision");
        }
    }
}
