package sinkscope.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.Capture;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
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
 * Qwen2-VL and Qwen2.5-VL against Hugging Face transformers 5.18 on the project's golden checkpoints, driven by
 * their manifests: from the stored {@code pixel_values}, {@code image_grid_thw} and the sample's prompt text every
 * listed tensor is computed (tokenizer and image-pad expansion, M-RoPE position ids and delta, vision patch embedding,
 * every block, window index, merger, merged embeddings, every decoder hidden state and attention map, logits, phi,
 * greedy generation) and compared with the manifest's tolerance; ids and tokens exactly.
 */
class Qwen2VlGoldenTest {
    private static final Set<String> INPUTS = Set.of("pixel_values", "image_grid_thw");
    private static final Map<String, Qwen2Vl> MODELS = new HashMap<>();
    private static NDManager manager;

    @BeforeAll
    static void load() {
        Torch.configure(2);
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void close() {
        MODELS.values().forEach(Qwen2Vl::close);
        manager.close();
    }

    private static Qwen2Vl model(Path dir) {
        return MODELS.computeIfAbsent(dir.toString(), d -> (Qwen2Vl) Families.load(dir, Device.cpu(), DataType.FLOAT32));
    }

    static Stream<Arguments> samples() {
        List<Arguments> out = new ArrayList<>();
        for (Path[] dirs : new Path[][] {{Golden.qwen2Vl(), Golden.qwen2Vl()}, {Golden.qwen25Vl(), Golden.qwen25VlCheckpoint()}}) {
            for (JsonElement e : Golden.manifest(dirs[0]).getAsJsonArray("samples")) {
                JsonObject s = e.getAsJsonObject();
                out.add(Arguments.of(dirs[0].getFileName() + "/" + s.get("id").getAsString(), dirs[0], dirs[1], s));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void matchesTransformers(String name, Path golden, Path checkpoint, JsonObject sample) {
        Qwen2Vl model = model(checkpoint);
        JsonObject manifest = Golden.manifest(golden);
        try (SafeTensors st = SafeTensors.open(golden.resolve(sample.get("tensors_file").getAsString())); NDManager m = manager.newSubManager()) {
            NDArray pixels = st.load(m, "pixel_values");
            long[] grid = st.longs("image_grid_thw");
            Map<String, float[]> got = new HashMap<>();
            Map<String, long[]> gotIds = new HashMap<>();

            Inputs inputs = model.encode(m, sample.get("prompt_text").getAsString(), pixels, grid);
            gotIds.put("input_ids", inputs.inputIds());
            long[] types = new long[inputs.inputIds().length];
            for (int i = 0; i < types.length; i++) {
                types[i] = inputs.inputIds()[i] == model.config().imageTokenId() ? 1 : 0;
            }
            gotIds.put("mm_token_type_ids", types);

            Qwen2VisionTransformer.Output vision = model.visionOutput(m, inputs, true);
            got.put("vision.patch_embed", vision.patchEmbeddings().toFloatArray());
            NDList states = new NDList(vision.blockOutputs().toArray(new NDArray[0]));
            NDArray first = vision.windowIndex() == null ? vision.patchEmbeddings() : windowOrder(vision.patchEmbeddings(), vision.windowIndex(), 4);
            states.add(0, first);
            got.put("vision.hidden_states", NDArrays.stack(states).toFloatArray());
            got.put("vision.merger_output", vision.features().toFloatArray());
            gotIds.put("vision.position_ids", visionPositions(grid, model.config().vision().spatialMergeSize()));
            long n = grid[1] * grid[2];
            gotIds.put("vision.cu_seqlens", new long[] {0, n});
            if (vision.windowIndex() != null) {
                gotIds.put("vision.window_index", vision.windowIndex());
                Qwen2VisionTransformer.Windows w = model.vision().windows((int) grid[1] / 2, (int) grid[2] / 2);
                gotIds.put("vision.cu_window_seqlens", cuWindowSeqlens(w));
            }

            Merged merged = model.merge(m, inputs, vision.features());
            QwenVlGoldenChecks.merged(name, sample, inputs, merged, got, gotIds);

            int[] dims = ints(manifest.getAsJsonObject("sink").getAsJsonArray("dims"));
            try (Capture capture = new Capture(m, true, true); KvCache cache = new KvCache(model.numLayers())) {
                Prefill prefill = model.prefill(m, merged, cache, capture);
                NDList hidden = new NDList(capture.layerInputs().toArray(new NDArray[0]));
                hidden.add(model.norm(prefill.lastHidden()));
                got.put("decoder.hidden_states", NDArrays.concat(hidden).toFloatArray());
                got.put("decoder.last_layer_output_prenorm", prefill.lastHidden().toFloatArray());
                got.put("decoder.attentions", NDArrays.concat(new NDList(capture.attentions().toArray(new NDArray[0]))).toFloatArray());
                got.put("logits.last", prefill.lastLogits().toFloatArray());
                NDArray all = model.language().logits(model.norm(prefill.lastHidden())).get(0);
                gotIds.put("logits.argmax", all.argMax(1).toLongArray());
                NDList phiRows = new NDList();
                for (NDArray h : capture.layerInputs()) {
                    phiRows.add(SinkScore.phi(h, dims));
                }
                phiRows.add(SinkScore.phi(prefill.lastHidden(), dims));
                got.put("sink.phi", NDArrays.concat(phiRows).toFloatArray());
            }

            int steps = (int) st.entry("generate.tokens").shape()[0];
            Generation gen = model.generate(m, inputs, new GenerateOptions(steps, false, 16), null);
            gotIds.put("generate.tokens", gen.tokens());
            long[] genPos = new long[3 * steps];
            for (int a = 0; a < 3; a++) {
                for (int k = 0; k < steps; k++) {
                    genPos[a * steps + k] = merged.length() + k + merged.ropeDelta();
                }
            }
            gotIds.put("generate.position_ids", genPos);
            float[] topV = new float[steps * 16];
            long[] topI = new long[steps * 16];
            for (int s = 0; s < steps; s++) {
                System.arraycopy(gen.topValues()[s], 0, topV, s * 16, 16);
                System.arraycopy(gen.topIds()[s], 0, topI, s * 16, 16);
            }
            got.put("generate.step_top16_values", topV);
            gotIds.put("generate.step_top16_ids", topI);

            int checked = Allclose.assertManifestTensors(name, sample, st, got, gotIds, INPUTS);
            assertTrue(checked >= 18, "too few tensors checked: " + checked);
            assertArrayEquals(longs(sample.getAsJsonArray("generated_token_ids")), gen.tokens(), name + " greedy tokens");
        }
    }

    /** Rows in units of {@code unit} reordered by {@code index} (HF's permutation of the patch embeddings before block 0). */
    private static NDArray windowOrder(NDArray x, long[] index, int unit) {
        long n = x.getShape().get(0);
        return x.reshape(n / unit, unit, -1).get(x.getManager().create(index)).reshape(n, -1);
    }

    /** The (row, col) of every patch in the processor's merge-block order, flattened [N, 2]. */
    private static long[] visionPositions(long[] grid, int mm) {
        int gh = (int) grid[1];
        int gw = (int) grid[2];
        long[] out = new long[gh * gw * 2];
        int k = 0;
        for (int bh = 0; bh < gh / mm; bh++) {
            for (int bw = 0; bw < gw / mm; bw++) {
                for (int mh = 0; mh < mm; mh++) {
                    for (int mw = 0; mw < mm; mw++) {
                        out[k++] = (long) bh * mm + mh;
                        out[k++] = (long) bw * mm + mw;
                    }
                }
            }
        }
        return out;
    }

    /** {@code cu_window_seqlens}: 0 then the running end of every window (HF's unique_consecutive drops empty windows). */
    private static long[] cuWindowSeqlens(Qwen2VisionTransformer.Windows w) {
        long[] out = new long[w.segments().size() + 1];
        for (int i = 0; i < w.segments().size(); i++) {
            out[i + 1] = w.segments().get(i)[1];
        }
        return out;
    }

    private static int[] ints(com.google.gson.JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    private static long[] longs(com.google.gson.JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
