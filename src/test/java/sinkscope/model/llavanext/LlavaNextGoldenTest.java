package sinkscope.model.llavanext;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.Capture;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.ImageLayout;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.KvCache;
import sinkscope.model.Merged;
import sinkscope.model.Prefill;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;

/**
 * LLaVA-NeXT against Hugging Face transformers 5.18 on llava-next-tiny-a, driven by its manifest: the LLaMA decoder
 * and the Mistral one (sliding window 24, shorter than the samples); every tensor a sample lists is computed from
 * the stored {@code input_ids}, {@code pixel_values} and {@code image_sizes} and compared with the manifest's
 * tolerance; ids, packing kinds, argmax and greedy tokens exactly. The image processor runs on the stored PNGs
 * and must give the stored pixel values.
 */
class LlavaNextGoldenTest {
    private static final Set<String> INPUTS = Set.of("pixel_values", "image_sizes", "input_ids", "input_ids_expanded");

    private static final Map<String, LlavaNext> MODELS = new HashMap<>();
    private static NDManager manager;

    @BeforeAll
    static void load() {
        Torch.configure(2);
        manager = NDManager.newBaseManager(Device.cpu());
        for (String v : List.of("llama", "mistral")) {
            MODELS.put(v, (LlavaNext) Families.load(Golden.llavaNextCheckpoint(v), Device.cpu(), DataType.FLOAT32));
        }
    }

    @AfterAll
    static void close() {
        manager.close();
        MODELS.values().forEach(LlavaNext::close);
    }

    static Stream<JsonObject> samples() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : Golden.manifest(Golden.llavaNext()).getAsJsonArray("samples")) {
            out.add(e.getAsJsonObject());
        }
        return out.stream();
    }

    @Test
    void configsAreReadByTheFamilyRegistry() {
        LlavaNextConfig c = (LlavaNextConfig) Families.config(Golden.llavaNextCheckpoint("llama"));
        assertEquals("llava_next", c.modelType());
        assertEquals(5, c.imageGridPinpoints().length);
        assertEquals(0, c.text().slidingWindow());
        assertEquals(2, c.text().numKeyValueHeads());
        LlavaNextConfig mc = (LlavaNextConfig) Families.config(Golden.llavaNextCheckpoint("mistral"));
        assertEquals("mistral", mc.decoder());
        assertEquals(24, mc.text().slidingWindow());
        assertEquals("mistral_instruct", MODELS.get("mistral").defaultTemplate());
        assertEquals("llava_hf", MODELS.get("llama").defaultTemplate());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void imageProcessorMatchesTransformers(JsonObject sample) throws Exception {
        LlavaNext model = MODELS.get(sample.get("decoder").getAsString());
        Path dir = Golden.llavaNext();
        try (SafeTensors golden = SafeTensors.open(dir.resolve(sample.get("tensors_file").getAsString()));
                NDManager m = manager.newSubManager()) {
            var image = ImageIO.read(dir.resolve(sample.get("image_file").getAsString()).toFile());
            Inputs in = model.encode(m, sample.get("prompt").getAsString(), image, ImageOptions.DEFAULT);
            assertArrayEquals(golden.longs("input_ids"), in.inputIds(), "input_ids");
            assertArrayEquals(golden.longs("image_sizes"), new long[] {in.height(), in.width()}, "image_sizes (h, w)");
            Allclose.assertClose(sample.get("id").getAsString() + " pixel_values", in.pixelValues().toFloatArray(), golden.floats("pixel_values"), 1e-5, 0);
            AnyresGeometry g = model.geometry(image.getWidth(), image.getHeight());
            assertArrayEquals(ints(sample.getAsJsonArray("best_resolution_hw")), new int[] {g.bestHeight(), g.bestWidth()}, "best resolution");
            assertArrayEquals(ints(sample.getAsJsonArray("unpadded_grid_hw")), new int[] {g.rows(), g.cols()}, "unpadded mosaic");
            assertEquals(sample.get("num_image_tokens").getAsInt(), in.numImageTokens(), "image tokens");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void matchesTransformers(JsonObject sample) {
        LlavaNext model = MODELS.get(sample.get("decoder").getAsString());
        Path dir = Golden.llavaNext();
        try (SafeTensors golden = SafeTensors.open(dir.resolve(sample.get("tensors_file").getAsString()));
                NDManager m = manager.newSubManager()) {
            long[] ids = golden.longs("input_ids");
            NDArray pixels = golden.load(m, "pixel_values");
            long[] hw = golden.longs("image_sizes");
            Inputs inputs = model.inputs(ids, pixels, (int) hw[1], (int) hw[0]);
            Map<String, float[]> got = new HashMap<>();
            Map<String, long[]> gotIds = new HashMap<>();

            NDList vision = model.visionHiddenStates(m, pixels);
            got.put("vision.hidden_states", NDArrays.stack(vision, 0).toFloatArray());
            got.put("vision.selected_features", vision.get(model.config().clip().visionFeatureIndex()).get(new NDIndex(":, 1:, :")).toFloatArray());
            NDArray projected = model.imageFeatures(m, pixels);
            got.put("projector.output", projected.toFloatArray());
            AnyresGeometry geo = model.geometry((int) hw[1], (int) hw[0]);
            NDArray packed = model.pack(m, projected, geo);
            got.put("image_features.packed", packed.toFloatArray());
            gotIds.put("image_features.kind", kinds(inputs.layout()));
            gotIds.put("image_features.mosaic_rc", mosaicRc(inputs.layout()));

            Merged merged = model.merge(m, inputs, model.imageFeatures(m, inputs));
            got.put("decoder.inputs_embeds", merged.inputsEmbeds().toFloatArray());
            assertEquals(sample.get("image_start").getAsInt(), merged.imageStart(), "image_start");
            assertEquals(sample.get("image_end").getAsInt(), merged.imageEnd(), "image_end (newline tokens are inside the image span)");
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
                got.put("decoder.hidden_states", NDArrays.stack(hidden, 0).toFloatArray());
                got.put("decoder.last_layer_output_prenorm", prefill.lastHidden().toFloatArray());
                got.put("decoder.attentions", NDArrays.stack(new NDList(capture.attentions().toArray(new NDArray[0])), 0).toFloatArray());
                got.put("logits.last", prefill.lastLogits().toFloatArray());
                gotIds.put("logits.argmax", model.allLogits(m, prefill.lastHidden()).argMax(1).toLongArray());
                got.put("sink.phi", phi(capture.layerInputs(), prefill.lastHidden(), sinkDims()));
            }

            int steps = (int) golden.entry("generate.tokens").shape()[0];
            Generation gen = model.generate(m, inputs, new GenerateOptions(steps, false, 16), null);
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
            assertTrue(checked >= 15, "too few tensors checked: " + checked);
            assertArrayEquals(toLongs(sample.getAsJsonArray("generated_token_ids")), gen.tokens(), "greedy tokens of " + sample.get("id").getAsString());
        }
    }

    /** HF's kinds: 0 base patch, 1 mosaic patch, 2 newline. */
    static long[] kinds(ImageLayout layout) {
        int[] k = layout.kinds();
        long[] out = new long[k.length];
        for (int i = 0; i < k.length; i++) {
            out[i] = k[i] == ImageLayout.SEPARATOR ? 2 : k[i];
        }
        return out;
    }

    /** (row, col) in the mosaic of each span position: (-1, -1) for base rows, (row, -1) for newlines. */
    static long[] mosaicRc(ImageLayout layout) {
        ImageLayout.Panel base = layout.panels().get(0);
        ImageLayout.Panel tiles = layout.panels().get(1);
        long[] out = new long[2 * layout.length()];
        java.util.Arrays.fill(out, -1);
        for (int i = base.span(); i < layout.length(); i++) {
            int rel = i - tiles.offset();
            out[2 * i] = rel / tiles.rowStride();
            int c = rel % tiles.rowStride();
            out[2 * i + 1] = c < tiles.cols() ? c : -1;
        }
        return out;
    }

    static int[] sinkDims() {
        return ints(Golden.manifest(Golden.llavaNext()).getAsJsonObject("sink").getAsJsonArray("dims"));
    }

    static float[] phi(List<NDArray> layerInputs, NDArray lastHidden, int[] dims) {
        List<NDArray> rows = new ArrayList<>(layerInputs);
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

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    private static long[] toLongs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
