package sinkscope.model.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.Capture;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.KvCache;
import sinkscope.model.Merged;
import sinkscope.model.Prefill;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;

/**
 * The runtime against Hugging Face transformers on the golden checkpoint, driven by its manifest: every tensor a
 * sample lists is computed from the stored {@code input_ids} and {@code pixel_values} and compared with the
 * manifest's tolerance; ids, argmax (except listed near-ties) and greedy tokens exactly.
 */
class LlavaGoldenTest {
    /** Tensors that are inputs (fed, not computed) or checked by other tests (preprocessing, tokenizer). */
    private static final Set<String> INPUTS = Set.of("pixel_values", "input_ids", "attention_mask");

    private static Llava model;
    private static NDManager manager;

    @BeforeAll
    static void load() {
        Torch.configure(2);
        Device device = Golden.device(); // -Dsinkscope.golden.device=cuda:0 (jobs/gpu-check.sh): fp32 on the GPU, same tolerances
        model = Llava.load(Golden.llava(), device, DataType.FLOAT32);
        manager = NDManager.newBaseManager(device);
    }

    @AfterAll
    static void close() {
        manager.close();
        model.close();
    }

    static Stream<JsonObject> samples() {
        List<JsonObject> out = new java.util.ArrayList<>();
        for (JsonElement e : Golden.manifest(Golden.llava()).getAsJsonArray("samples")) {
            out.add(e.getAsJsonObject());
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void matchesTransformers(JsonObject sample) {
        Path dir = Golden.llava();
        try (SafeTensors golden = SafeTensors.open(dir.resolve(sample.get("tensors_file").getAsString()));
                NDManager m = manager.newSubManager()) {
            long[] ids = golden.longs("input_ids");
            NDArray pixels = golden.load(m, "pixel_values");
            Map<String, float[]> got = new HashMap<>();
            Map<String, long[]> gotIds = new HashMap<>();

            NDList vision = model.visionHiddenStates(m, pixels);
            got.put("vision.hidden_states", NDArrays(vision).toFloatArray());
            NDArray selected = vision.get(model.config().visionFeatureIndex()).get(new NDIndex("0, 1:, :"));
            got.put("vision.selected_features", selected.toFloatArray());
            NDArray features = model.project(m, selected.expandDims(0));
            got.put("projector.output", features.toFloatArray());

            Merged merged = model.merge(m, ids, features);
            got.put("decoder.inputs_embeds", merged.inputsEmbeds().toFloatArray());
            assertEquals(sample.get("image_start").getAsInt(), merged.imageStart(), "image_start");
            assertEquals(sample.get("image_end").getAsInt(), merged.imageEnd(), "image_end");
            assertEquals(sample.get("merged_sequence_length").getAsInt(), merged.length(), "merged length");
            long[] positions = new long[merged.length()];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = i;
            }
            gotIds.put("decoder.position_ids", positions);

            try (Capture capture = new Capture(m, true, true); KvCache cache = new KvCache(model.numLayers())) {
                Prefill prefill = model.prefill(m, merged, cache, capture);
                NDList hidden = new NDList(capture.layerInputs().toArray(new NDArray[0]));
                hidden.add(model.language().norm(prefill.lastHidden()));
                got.put("decoder.hidden_states", NDArrays(hidden).toFloatArray());
                got.put("decoder.last_layer_output_prenorm", prefill.lastHidden().toFloatArray());
                got.put("decoder.attentions", NDArrays(new NDList(capture.attentions().toArray(new NDArray[0]))).toFloatArray());
                got.put("logits.last", prefill.lastLogits().toFloatArray());
                gotIds.put("logits.argmax", model.allLogits(m, prefill.lastHidden()).argMax(1).toLongArray());
                got.put("sink.phi", phi(capture.layerInputs(), prefill.lastHidden(), sinkDims(sample)));
            }

            int steps = golden.entry("generate.tokens").shape()[0] > 0 ? (int) golden.entry("generate.tokens").shape()[0] : 0;
            Generation gen = model.generate(m, ids, pixels, new GenerateOptions(steps, false, 16), null);
            gotIds.put("generate.tokens", gen.tokens());
            float[] topV = new float[steps * 16];
            long[] topI = new long[steps * 16];
            for (int s = 0; s < steps; s++) {
                System.arraycopy(gen.topValues()[s], 0, topV, s * 16, 16);
                System.arraycopy(gen.topIds()[s], 0, topI, s * 16, 16);
            }
            got.put("generate.step_top16_values", topV);
            gotIds.put("generate.step_top16_ids", topI);

            int checked = Allclose.assertManifestTensors(sample.get("id").getAsString(), sample, golden, got, gotIds, INPUTS);
            assertTrue(checked >= 10, "too few tensors checked: " + checked);
            long[] expectedTokens = toLongs(sample.getAsJsonArray("generated_token_ids"));
            assertArrayEquals(expectedTokens, gen.tokens(), "greedy tokens of " + sample.get("id").getAsString());
        }
    }

    private static int[] sinkDims(JsonObject sample) {
        var dims = Golden.manifest(Golden.llava()).getAsJsonObject("sink").getAsJsonArray("dims");
        int[] out = new int[dims.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dims.get(i).getAsInt();
        }
        return out;
    }

    /** phi = max over sink dims of |x_d| / RMS(x), rows: inputs of layers 0..L-1, then the last layer's output. */
    private static float[] phi(List<NDArray> layerInputs, NDArray lastHidden, int[] dims) {
        List<NDArray> rows = new java.util.ArrayList<>(layerInputs);
        rows.add(lastHidden);
        int s = (int) lastHidden.getShape().get(1);
        int d = (int) lastHidden.getShape().get(2);
        float[] out = new float[rows.size() * s];
        for (int l = 0; l < rows.size(); l++) {
            float[] h = rows.get(l).toFloatArray();
            for (int t = 0; t < s; t++) {
                double ss = 0;
                for (int j = 0; j < d; j++) {
                    ss += (double) h[t * d + j] * h[t * d + j];
                }
                double rms = Math.sqrt(ss / d);
                double best = 0;
                for (int dim : dims) {
                    best = Math.max(best, Math.abs(h[t * d + dim]) / rms);
                }
                out[l * s + t] = (float) best;
            }
        }
        return out;
    }

    private static NDArray NDArrays(NDList list) {
        return ai.djl.ndarray.NDArrays.stack(list, 0);
    }

    private static long[] toLongs(com.google.gson.JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
