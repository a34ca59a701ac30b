package sinkscope.model.qwen3vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.data.ImageDecoder;
import sinkscope.model.AttentionHook;
import sinkscope.model.Capture;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.KvCache;
import sinkscope.model.Merged;
import sinkscope.model.Prefill;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;
import sinkscope.model.qwenvl.QwenVlGoldenChecks;
import sinkscope.sink.SinkScore;

/**
 * Qwen3-VL against Hugging Face transformers 5.18 on qwen3-vl-tiny-a, driven by its manifest: from the sample's PNG
 * and prompt text, every listed tensor (processor output, ids, M-RoPE positions and delta, patch and interpolated
 * position embeddings, every vision block, merger and DeepStack features, merged embeddings, every decoder layer's
 * input after the DeepStack addition and transformers' hidden states before it, attentions, logits, phi, greedy
 * generation) within the manifest's tolerance, ids and tokens exactly; the three samples generated as one padded batch
 * give the same tokens.
 */
class Qwen3VlGoldenTest {
    private static Qwen3Vl model;
    private static NDManager manager;

    @BeforeAll
    static void load() {
        Torch.configure(2);
        manager = NDManager.newBaseManager(Device.cpu());
        model = (Qwen3Vl) Families.load(Golden.qwen3VlCheckpoint(), Device.cpu(), DataType.FLOAT32);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    static Stream<Arguments> samples() {
        List<Arguments> out = new ArrayList<>();
        for (JsonElement e : Golden.manifest(Golden.qwen3Vl()).getAsJsonArray("samples")) {
            out.add(Arguments.of(e.getAsJsonObject().get("id").getAsString(), e.getAsJsonObject()));
        }
        return out.stream();
    }

    private static Inputs encode(NDManager m, JsonObject sample) {
        Path image = Golden.qwen3Vl().resolve(sample.get("image_file").getAsString());
        return model.encode(m, sample.get("prompt_text").getAsString(), new ImageDecoder().decode(image), ImageOptions.DEFAULT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void matchesTransformers(String name, JsonObject sample) {
        JsonObject manifest = Golden.manifest(Golden.qwen3Vl());
        try (SafeTensors st = SafeTensors.open(Golden.qwen3Vl().resolve(sample.get("tensors_file").getAsString())); NDManager m = manager.newSubManager()) {
            Map<String, float[]> got = new HashMap<>();
            Map<String, long[]> gotIds = new HashMap<>();
            Inputs inputs = encode(m, sample);
            got.put("pixel_values", inputs.pixelValues().toFloatArray());
            gotIds.put("image_grid_thw", inputs.imageGridThw());
            gotIds.put("input_ids", inputs.inputIds());
            long[] types = new long[inputs.inputIds().length];
            for (int i = 0; i < types.length; i++) {
                types[i] = inputs.inputIds()[i] == model.config().imageTokenId() ? 1 : 0;
            }
            gotIds.put("mm_token_type_ids", types);

            Qwen3VisionModel.Output vision = model.visionOutput(m, inputs);
            got.put("vision.patch_embed", vision.patchEmbeddings().toFloatArray());
            got.put("vision.pos_embeds", vision.positionEmbeddings().toFloatArray());
            NDList states = new NDList(vision.blockOutputs().toArray(new NDArray[0]));
            states.add(0, vision.patchEmbeddings().add(vision.positionEmbeddings()));
            got.put("vision.hidden_states", NDArrays.stack(states).toFloatArray());
            got.put("vision.merger_output", vision.features().toFloatArray());
            NDArray deepstack = NDArrays.stack(new NDList(vision.deepstack().toArray(new NDArray[0])));
            got.put("vision.deepstack_features", deepstack.toFloatArray());

            Merged merged = model.merge(m, inputs, model.imageFeatures(m, inputs));
            QwenVlGoldenChecks.merged(name, sample, inputs, merged, got, gotIds);

            int[] dims = manifest.getAsJsonObject("sink").getAsJsonArray("dims").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
            try (Capture capture = new Capture(m, true, true); KvCache cache = new KvCache(model.numLayers())) {
                Prefill prefill = model.prefill(m, merged, cache, capture);
                List<NDArray> layerInputs = capture.layerInputs();
                got.put("decoder.layer_inputs", NDArrays.concat(new NDList(layerInputs.toArray(new NDArray[0]))).toFloatArray());
                // transformers records each layer's output before the DeepStack addition: take the addition back off
                NDList hidden = new NDList(layerInputs.get(0));
                int s = merged.imageStart();
                int e = merged.imageEnd();
                for (int l = 1; l < layerInputs.size(); l++) {
                    NDArray h = layerInputs.get(l);
                    if (l - 1 < deepstack.getShape().get(0)) {
                        NDArray img = h.get(new NDIndex(":, {}:{}", s, e)).sub(deepstack.get(l - 1).expandDims(0));
                        h = NDArrays.concat(new NDList(h.get(new NDIndex(":, :{}", s)), img, h.get(new NDIndex(":, {}:", e))), 1);
                    }
                    hidden.add(h);
                }
                hidden.add(model.norm(prefill.lastHidden()));
                got.put("decoder.hidden_states", NDArrays.concat(hidden).toFloatArray());
                got.put("decoder.last_layer_output_prenorm", prefill.lastHidden().toFloatArray());
                got.put("decoder.attentions", NDArrays.concat(new NDList(capture.attentions().toArray(new NDArray[0]))).toFloatArray());
                long[] ids = st.longs("logits.last_ids");
                float[] last = prefill.lastLogits().toFloatArray();
                float[] atIds = new float[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    atIds[i] = last[(int) ids[i]];
                }
                got.put("logits.last_at_ids", atIds);
                float[] sorted = last.clone();
                java.util.Arrays.sort(sorted);
                float kth = sorted[sorted.length - ids.length];
                for (float v : atIds) {
                    assertTrue(v >= kth - 1e-3, name + ": a golden top-" + ids.length + " id is not among ours (logit " + v + " < " + kth + ")");
                }
                gotIds.put("logits.last_ids", ids);
                NDArray all = model.language().logits(model.norm(prefill.lastHidden())).get(0);
                gotIds.put("logits.argmax", all.argMax(1).toLongArray());
                NDList phiRows = new NDList();
                for (NDArray h : layerInputs) {
                    phiRows.add(SinkScore.phi(h, dims));
                }
                phiRows.add(SinkScore.phi(prefill.lastHidden(), dims));
                got.put("sink.phi", NDArrays.concat(phiRows).toFloatArray());
            }

            int steps = (int) st.entry("generate.tokens").shape()[0];
            Generation gen = model.generate(m, inputs, new GenerateOptions(steps, false, 16), null);
            gotIds.put("generate.tokens", gen.tokens());
            float[] topV = new float[steps * 16];
            long[] topI = new long[steps * 16];
            for (int k = 0; k < steps; k++) {
                System.arraycopy(gen.topValues()[k], 0, topV, k * 16, 16);
                System.arraycopy(gen.topIds()[k], 0, topI, k * 16, 16);
            }
            got.put("generate.step_top16_values", topV);
            gotIds.put("generate.step_top16_ids", topI);

            int checked = Allclose.assertManifestTensors(name, sample, st, got, gotIds, Set.of());
            assertEquals(sample.getAsJsonArray("tensors").size(), checked, name + ": every listed tensor checked");
            assertArrayEquals(longs(sample.getAsJsonArray("generated_token_ids")), gen.tokens(), name + " greedy tokens");
        }
    }

    @Test
    void batchedEqualsUnbatched() {
        JsonObject manifest = Golden.manifest(Golden.qwen3Vl());
        JsonArray expected = manifest.getAsJsonObject("generation").getAsJsonArray("batched_left_padded_tokens");
        try (NDManager m = manager.newSubManager()) {
            List<Inputs> inputs = new ArrayList<>();
            for (JsonElement e : manifest.getAsJsonArray("samples")) {
                inputs.add(encode(m, e.getAsJsonObject()));
            }
            int n = inputs.size();
            int steps = manifest.getAsJsonObject("generation").get("max_new_tokens").getAsInt();
            List<Generation> batch = model.generate(m, inputs, Collections.nCopies(n, (NDArray) null), Collections.nCopies(n, new GenerateOptions(steps, false, 16)),
                    Collections.nCopies(n, (AttentionHook) null));
            for (int i = 0; i < n; i++) {
                Generation alone = model.generate(m, inputs.get(i), new GenerateOptions(steps, false, 16), null);
                assertArrayEquals(alone.tokens(), batch.get(i).tokens(), "sample " + i + ": batched == unbatched");
                assertArrayEquals(longs(expected.get(i).getAsJsonArray()), batch.get(i).tokens(), "sample " + i + ": transformers' batched tokens");
                for (int k = 0; k < steps; k++) {
                    Allclose.assertClose("sample " + i + " step " + k, batch.get(i).topValues()[k], alone.topValues()[k], 1e-4, 1e-4);
                }
            }
        }
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
