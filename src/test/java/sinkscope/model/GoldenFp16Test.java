package sinkscope.model;

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
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import sinkscope.Golden;
import sinkscope.model.llava.Llava;

/**
 * The golden LLaVA samples with the model in fp16 on {@link Golden#device()} (the CPU unless
 * {@code -Dsinkscope.golden.device=cuda:0}), against transformers' fp32 tensors, within the looser fp16 tolerances
 * stated here: last logits within {@link #LOGITS_ATOL} (planted sink rows of ~60 dominate the error; 3 significant
 * digits), the final hidden state within {@link #HIDDEN_ATOL} + {@link #HIDDEN_RTOL}·|x|, and the greedy tokens equal.
 */
class GoldenFp16Test {
    static final double LOGITS_ATOL = 0.25;
    static final double HIDDEN_ATOL = 0.05;
    static final double HIDDEN_RTOL = 0.02;

    static Stream<JsonObject> samples() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : Golden.manifest(Golden.llava()).getAsJsonArray("samples")) {
            out.add(e.getAsJsonObject());
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void fp16IsCloseToTransformersFp32(JsonObject sample) {
        Device device = Golden.device();
        Path dir = Golden.llava();
        try (Llava model = Llava.load(dir, device, DataType.FLOAT16); NDManager m = NDManager.newBaseManager(device);
                SafeTensors golden = SafeTensors.open(dir.resolve(sample.get("tensors_file").getAsString()));
                KvCache cache = new KvCache(model.numLayers())) {
            long[] ids = golden.longs("input_ids");
            NDArray pixels = golden.load(m, "pixel_values");
            Merged merged = model.merge(m, ids, model.imageFeatures(m, pixels));
            Prefill p = model.prefill(m, merged, cache, null);
            float[] logits = p.lastLogits().toFloatArray();
            float[] want = golden.floats("logits.last");
            double maxLogit = maxAbsDiff(logits, want);
            float[] hidden = p.lastHidden().toType(DataType.FLOAT32, false).toFloatArray();
            float[] wantHidden = golden.floats("decoder.last_layer_output_prenorm");
            double worst = 0;
            for (int i = 0; i < hidden.length; i++) {
                worst = Math.max(worst, Math.abs(hidden[i] - wantHidden[i]) - HIDDEN_RTOL * Math.abs(wantHidden[i]));
            }
            String id = sample.get("id").getAsString();
            System.out.printf("%s fp16 on %s: last logits max |diff| %.4f, final hidden max (|diff| - rtol|x|) %.4f%n", id, device, maxLogit, worst);
            assertTrue(maxLogit < LOGITS_ATOL, id + ": fp16 last logits max |diff| " + maxLogit);
            assertTrue(maxLogit > 0, id + ": fp16 must compute in half precision");
            assertTrue(worst < HIDDEN_ATOL, id + ": fp16 final hidden state off by " + worst);
            JsonElement gen = sample.get("generated_token_ids");
            long[] tokens = gen.getAsJsonArray().asList().stream().mapToLong(JsonElement::getAsLong).toArray();
            Generation g = model.generate(m, ids, pixels, new GenerateOptions(tokens.length, false, 0), null);
            assertArrayEquals(tokens, g.tokens(), id + ": greedy tokens in fp16");
            assertEquals(DataType.FLOAT16, model.parameters().get("language_model.model.layers.0.self_attn.q_proj.weight").getDataType());
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
