package sinkscope.model.internvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.Capture;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.KvCache;
import sinkscope.model.Merged;
import sinkscope.model.Prefill;
import sinkscope.model.SafeTensors;
import sinkscope.model.SafeTensorsWriter;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;
import sinkscope.sink.SinkScore;

/**
 * InternVL against Hugging Face transformers 5.18 on internvl-tiny-a (InternVL3-hf layout, Qwen2 decoder) and
 * internvl3_5-tiny-a (InternVL3.5-HF layout, Qwen3 decoder: explicit head_dim, q/k norms), driven by each manifest: the Java processor's
 * tiles and pixel values from the PNGs (tile grid by aspect ratio, thumbnail), the prompt expansion, and from the stored
 * pixel values every listed tensor (InternViT states, pixel shuffle, projector, merged embeddings, decoder states and
 * attentions, argmax, phi, greedy tokens with the top-16 logits per step); batched greedy generation of all samples
 * equals each alone.
 */
class InternVlGoldenTest {
    private static final Set<String> INPUTS = Set.of("pixel_values");
    private static final Map<Path, InternVl> MODELS = new HashMap<>();
    private static NDManager manager;

    @BeforeAll
    static void load() {
        Torch.configure(2);
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void close() {
        MODELS.values().forEach(InternVl::close);
        manager.close();
    }

    /** The golden directories, one per checkpoint. */
    static Stream<Path> cases() {
        return Stream.of(Golden.internVl(), Golden.internVl35());
    }

    /** The golden directory's model, loaded once. */
    static InternVl model(Path golden) {
        return MODELS.computeIfAbsent(golden, g -> (InternVl) Families.load(Golden.internVlCheckpoint(g), Device.cpu(), DataType.FLOAT32));
    }

    static Stream<Arguments> samples() {
        List<Arguments> out = new ArrayList<>();
        cases().forEach(golden -> {
            for (JsonElement e : Golden.manifest(golden).getAsJsonArray("samples")) {
                JsonObject s = e.getAsJsonObject();
                out.add(Arguments.of(golden.getFileName() + " " + s.get("id").getAsString(), golden, s));
            }
        });
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void processorMatchesTransformers(String name, Path golden, JsonObject sample) throws Exception {
        InternVl model = model(golden);
        BufferedImage image = ImageIO.read(golden.resolve(sample.get("image_file").getAsString()).toFile());
        try (SafeTensors st = SafeTensors.open(golden.resolve(sample.get("tensors_file").getAsString())); NDManager m = manager.newSubManager()) {
            Inputs inputs = model.encode(m, sample.get("prompt_text").getAsString(), image, ImageOptions.DEFAULT);
            JsonArray grid = sample.getAsJsonArray("tile_grid_cols_rows");
            var tiles = model.imageProcessor().grid(image.getWidth(), image.getHeight());
            assertEquals(grid.get(0).getAsInt(), tiles.cols(), name + " tile columns");
            assertEquals(grid.get(1).getAsInt(), tiles.rows(), name + " tile rows");
            assertEquals(sample.get("num_tiles").getAsInt(), tiles.numTiles(), name + " tiles (thumbnail included)");
            Allclose.assertClose(name + " pixel_values", inputs.pixelValues().toFloatArray(), st.floats("pixel_values"), 1e-5, 0);
            assertArrayEquals(st.longs("input_ids"), inputs.inputIds(), name + " input_ids");
            assertEquals(sample.get("num_image_tokens").getAsInt(), inputs.numImageTokens(), name + " image tokens");
            assertEquals(tiles.numTiles(), inputs.layout().panels().size(), name + " one panel per tile");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void matchesTransformers(String name, Path golden, JsonObject sample) {
        InternVl model = model(golden);
        JsonObject manifest = Golden.manifest(golden);
        try (SafeTensors st = SafeTensors.open(golden.resolve(sample.get("tensors_file").getAsString())); NDManager m = manager.newSubManager()) {
            Inputs inputs = inputs(model, m, st, sample);
            Map<String, float[]> got = new HashMap<>();
            Map<String, long[]> gotIds = new HashMap<>();
            gotIds.put("input_ids", inputs.inputIds());

            InternVl.VisionOutput vision = model.visionOutput(m, inputs.pixelValues(), true);
            got.put("vision.hidden_states", NDArrays.stack(vision.hiddenStates()).toFloatArray());
            got.put("vision.pixel_shuffle", vision.shuffled().toFloatArray());
            got.put("vision.projector_output", vision.projected().toFloatArray());

            Merged merged = model.merge(m, inputs, model.imageFeatures(m, inputs));
            assertEquals(sample.get("image_start").getAsInt(), merged.imageStart(), name + " image_start");
            assertEquals(sample.get("image_end").getAsInt(), merged.imageEnd(), name + " image_end");
            got.put("decoder.inputs_embeds", merged.inputsEmbeds().toFloatArray());

            int[] dims = manifest.getAsJsonObject("sink").getAsJsonArray("dims").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
            try (Capture capture = new Capture(m, true, true); KvCache cache = new KvCache(model.numLayers())) {
                Prefill prefill = model.prefill(m, merged, cache, capture);
                NDList hidden = new NDList(capture.layerInputs().toArray(new NDArray[0]));
                hidden.add(model.norm(prefill.lastHidden()));
                got.put("decoder.hidden_states", NDArrays.concat(hidden).toFloatArray());
                got.put("decoder.last_layer_output_prenorm", prefill.lastHidden().toFloatArray());
                got.put("decoder.attentions", NDArrays.concat(new NDList(capture.attentions().toArray(new NDArray[0]))).toFloatArray());
                gotIds.put("logits.argmax", model.allLogits(m, prefill.lastHidden()).argMax(1).toLongArray());
                NDList phi = new NDList();
                for (NDArray h : capture.layerInputs()) {
                    phi.add(SinkScore.phi(h, dims));
                }
                phi.add(SinkScore.phi(prefill.lastHidden(), dims));
                got.put("sink.phi", NDArrays.concat(phi).toFloatArray());
            }

            int steps = (int) st.entry("generate.tokens").shape()[0];
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

            int checked = Allclose.assertManifestTensors(name, sample, st, got, gotIds, INPUTS);
            assertEquals(13, checked, name + " tensors checked");
            long[] expected = sample.getAsJsonArray("generated_token_ids").asList().stream().mapToLong(JsonElement::getAsLong).toArray();
            assertArrayEquals(expected, gen.tokens(), name + " greedy tokens");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void batchedGenerationEqualsEachSampleAlone(Path golden) {
        InternVl model = model(golden);
        List<JsonObject> samples = new ArrayList<>();
        Golden.manifest(golden).getAsJsonArray("samples").forEach(e -> samples.add(e.getAsJsonObject()));
        List<SafeTensors> files = new ArrayList<>();
        try (NDManager m = manager.newSubManager()) {
            List<Inputs> inputs = new ArrayList<>();
            for (JsonObject s : samples) {
                SafeTensors st = SafeTensors.open(golden.resolve(s.get("tensors_file").getAsString()));
                files.add(st);
                inputs.add(inputs(model, m, st, s));
            }
            int steps = 6;
            List<GenerateOptions> opts = Collections.nCopies(inputs.size(), new GenerateOptions(steps, false, 16));
            List<Generation> batched = model.generate(m, inputs, Collections.nCopies(inputs.size(), null), opts, Collections.nCopies(inputs.size(), null));
            for (int i = 0; i < samples.size(); i++) {
                Generation alone = model.generate(m, inputs.get(i), new GenerateOptions(steps, false, 16), null);
                assertArrayEquals(alone.tokens(), batched.get(i).tokens(), samples.get(i).get("id").getAsString() + " batched tokens");
                long[] hf = samples.get(i).getAsJsonArray("generated_token_ids").asList().stream().mapToLong(JsonElement::getAsLong).toArray();
                assertArrayEquals(hf, batched.get(i).tokens(), samples.get(i).get("id").getAsString() + " batched tokens vs transformers");
                for (int s = 0; s < steps; s++) {
                    Allclose.assertClose("step " + s, batched.get(i).topValues()[s], alone.topValues()[s], 1e-4, 1e-4);
                }
            }
            assertTrue(samples.size() >= 3);
        } finally {
            files.forEach(SafeTensors::close);
        }
    }

    /**
     * InternVL3.5-1B/2B-HF store an untied {@code language_model.lm_head.weight}: internvl3_5-tiny-a with
     * {@code tie_word_embeddings} false and that head stored as twice the embedding greedily picks the golden tokens
     * with twice the golden top-16 logits.
     */
    @Test
    void untiedHeadIsReadUnderTheReleasedName(@TempDir Path tmp) throws IOException {
        Path golden = Golden.internVl35();
        Path src = Golden.internVlCheckpoint(golden);
        Path dir = Files.createDirectories(tmp.resolve("untied"));
        for (String f : new String[] {"preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"}) {
            Files.createSymbolicLink(dir.resolve(f), src.resolve(f).toRealPath());
        }
        JsonObject config = JsonParser.parseString(Files.readString(src.resolve("config.json"))).getAsJsonObject();
        config.addProperty("tie_word_embeddings", false);
        config.getAsJsonObject("text_config").addProperty("tie_word_embeddings", false);
        Files.writeString(dir.resolve("config.json"), config.toString());
        try (SafeTensors st = SafeTensors.open(src.resolve("model.safetensors")); NDManager m = manager.newSubManager()) {
            SafeTensorsWriter w = new SafeTensorsWriter();
            for (String name : st.entries().keySet()) {
                w.add(name, st.load(m, name).toType(DataType.FLOAT32, false));
            }
            w.add("language_model.lm_head.weight", st.load(m, "language_model.model.embed_tokens.weight").toType(DataType.FLOAT32, false).mul(2));
            w.write(dir.resolve("model.safetensors"));
        }
        JsonObject sample = Golden.manifest(golden).getAsJsonArray("samples").get(0).getAsJsonObject();
        try (InternVl untied = (InternVl) Families.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = manager.newSubManager();
                SafeTensors st = SafeTensors.open(golden.resolve(sample.get("tensors_file").getAsString()))) {
            assertFalse(untied.config().text().tieWordEmbeddings());
            Generation gen = untied.generate(m, inputs(untied, m, st, sample), new GenerateOptions(6, false, 16), null);
            assertArrayEquals(st.longs("generate.tokens"), gen.tokens(), "greedy tokens");
            float[] expected = st.floats("generate.step_top16_values");
            for (int s = 0; s < 6; s++) {
                float[] twice = new float[16];
                for (int k = 0; k < 16; k++) {
                    twice[k] = 2 * expected[s * 16 + k];
                }
                Allclose.assertClose("step " + s + " top-16 logits", gen.topValues()[s], twice, 2e-3, 1e-4);
            }
        }
    }

    /** The sample's stored pixel values and tile grid through the prompt expansion. */
    static Inputs inputs(InternVl model, NDManager m, SafeTensors st, JsonObject sample) {
        JsonArray wh = sample.getAsJsonArray("image_size_wh");
        return model.encode(m, sample.get("prompt_text").getAsString(), st.load(m, "pixel_values"), new long[] {wh.get(1).getAsLong(), wh.get(0).getAsLong()});
    }
}
