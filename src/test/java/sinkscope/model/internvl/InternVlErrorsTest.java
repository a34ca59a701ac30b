package sinkscope.model.internvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.Golden;
import sinkscope.model.CheckpointException;
import sinkscope.model.SafeTensors;
import sinkscope.model.SafeTensorsWriter;
import sinkscope.model.auto.Families;

/** Bad InternVL checkpoints: errors naming the file and the field or tensor; the tile-grid choice on known cases. */
class InternVlErrorsTest {
    @TempDir
    Path tmp;

    /** A copy of the assembled internvl-tiny-a with {@code file} (a JSON file) edited, the other files linked. */
    private Path withJson(String file, Consumer<JsonObject> edit) throws IOException {
        return withJson(Golden.internVl(), file, edit);
    }

    /** The same for the golden directory {@code golden}. */
    private Path withJson(Path golden, String file, Consumer<JsonObject> edit) throws IOException {
        Path src = Golden.internVlCheckpoint(golden);
        Path dir = Files.createDirectories(tmp.resolve("ck-" + golden.getFileName()));
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals(file)) {
                    Files.createSymbolicLink(dir.resolve(f.getFileName()), f.toRealPath());
                }
            }
        }
        JsonObject c = JsonParser.parseString(Files.readString(src.resolve(file))).getAsJsonObject();
        edit.accept(c);
        Files.writeString(dir.resolve(file), c.toString());
        return dir;
    }

    @Test
    void unknownModelTypeListsTheSupportedOnes() throws IOException {
        Path dir = withJson("config.json", c -> c.addProperty("model_type", "internvl_chat"));
        String msg = assertThrows(CheckpointException.class, () -> Families.config(dir)).getMessage();
        assertTrue(msg.contains("config.json") && msg.contains("'model_type'") && msg.contains("internvl_chat") && msg.contains("internvl")
                && msg.contains("llava") && msg.contains("qwen2_vl"), msg);
    }

    @Test
    void unsupportedFeatureLayerAndDecoderAreRefusedByField() throws IOException {
        Path layer = withJson("config.json", c -> c.addProperty("vision_feature_layer", -2));
        String msg = assertThrows(CheckpointException.class, () -> Families.config(layer)).getMessage();
        assertTrue(msg.contains("config.json") && msg.contains("'vision_feature_layer'") && msg.contains("-2"), msg);
        Files.walk(tmp).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        Path decoder = withJson("config.json", c -> c.getAsJsonObject("text_config").addProperty("model_type", "internlm2"));
        msg = assertThrows(CheckpointException.class, () -> Families.config(decoder)).getMessage();
        assertTrue(msg.contains("'text_config.model_type'") && msg.contains("internlm2") && msg.contains("qwen2"), msg);
    }

    @Test
    void missingProjectorWeightsNameTheFileAndTensor() throws IOException {
        Path dir = withoutTensors(Golden.internVl(), "noproj", name -> name.startsWith("multi_modal_projector."));
        String msg = assertThrows(CheckpointException.class, () -> Families.load(dir, Device.cpu(), DataType.FLOAT32)).getMessage();
        assertTrue(msg.contains(dir.toString()) && msg.contains("multi_modal_projector.linear_1.weight") && msg.contains("missing"), msg);
    }

    @Test
    void qwen3DecoderWithoutItsQNormIsRefusedNamingTheFileAndTensor() throws IOException {
        String qNorm = "language_model.model.layers.1.self_attn.q_norm.weight"; // the released "-HF" name
        Path dir = withoutTensors(Golden.internVl35(), "noqnorm", qNorm::equals);
        String msg = assertThrows(CheckpointException.class, () -> Families.load(dir, Device.cpu(), DataType.FLOAT32)).getMessage();
        assertTrue(msg.contains(dir.toString()) && msg.contains("layers.1.self_attn.q_norm.weight") && msg.contains("missing"), msg);
    }

    /** The assembled checkpoint of {@code golden} in {@code tmp/sub} without the tensors {@code drop} names (at least one). */
    private Path withoutTensors(Path golden, String sub, Predicate<String> drop) throws IOException {
        Path src = Golden.internVlCheckpoint(golden);
        Path dir = Files.createDirectories(tmp.resolve(sub));
        for (String f : new String[] {"config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"}) {
            Files.createSymbolicLink(dir.resolve(f), src.resolve(f).toRealPath());
        }
        try (SafeTensors st = SafeTensors.open(src.resolve("model.safetensors")); var m = ai.djl.ndarray.NDManager.newBaseManager()) {
            assertTrue(st.entries().keySet().stream().anyMatch(drop), "the golden checkpoint stores what the test drops");
            SafeTensorsWriter w = new SafeTensorsWriter();
            for (String name : st.entries().keySet()) {
                if (!drop.test(name)) {
                    w.add(name, st.load(m, name).toType(DataType.FLOAT32, false));
                }
            }
            w.write(dir.resolve("model.safetensors"));
        }
        return dir;
    }

    @Test
    void qwen3DecoderTakesItsHeadDimAndRefusesAnOddOne() throws IOException {
        var config = sinkscope.model.auto.Families.config(Golden.internVlCheckpoint(Golden.internVl35()));
        var text = config.text();
        assertEquals("qwen3", config.decoderType());
        assertEquals(8, text.headDim(), "explicit head_dim, not hidden_size / heads = 4");
        assertTrue(text.qkNorm() && !text.attentionBias() && !text.outputBias(), "Qwen3: q/k norms, no biases");
        Path odd = withJson(Golden.internVl35(), "config.json", c -> c.getAsJsonObject("text_config").addProperty("head_dim", 7));
        String msg = assertThrows(CheckpointException.class, () -> Families.config(odd)).getMessage();
        assertTrue(msg.contains("config.json") && msg.contains("head_dim 7"), msg);
    }

    @Test
    void addedTokenAtAnotherIdIsRefusedNamingTokenizerConfig() throws IOException {
        Path dir = withJson("tokenizer_config.json", c -> {
            JsonObject dec = c.getAsJsonObject("added_tokens_decoder");
            JsonObject ctx = dec.remove("151667").getAsJsonObject();
            dec.add("151690", ctx);
        });
        String msg = assertThrows(CheckpointException.class, () -> Families.load(dir, Device.cpu(), DataType.FLOAT32)).getMessage();
        // the first token after the gap no longer gets its declared id
        assertTrue(msg.contains("tokenizer_config.json") && msg.contains("added token <quad> is declared as id 151668 but encodes to [151667]"), msg);
    }

    @Test
    void tileGridFollowsTransformers() {
        // get_optimal_tiled_canvas on the golden images (tile 42, 1..4 tiles) and on InternVL's 448 px tiles up to 12
        assertArrayEquals(new int[] {2, 1}, InternVlImageProcessor.optimalCanvas(42, 84, 42, 1, 4));
        assertArrayEquals(new int[] {1, 3}, InternVlImageProcessor.optimalCanvas(120, 40, 42, 1, 4));
        assertArrayEquals(new int[] {2, 2}, InternVlImageProcessor.optimalCanvas(90, 100, 42, 1, 4));
        assertArrayEquals(new int[] {1, 1}, InternVlImageProcessor.optimalCanvas(36, 40, 42, 1, 4));
        // a 640x480 photo: 4:3 is exact for (4, 3) = 12 tiles
        assertArrayEquals(new int[] {4, 3}, InternVlImageProcessor.optimalCanvas(480, 640, 448, 1, 12));
        // a square image small against the canvas keeps one tile on the tie with 2x2 and 3x3
        assertArrayEquals(new int[] {1, 1}, InternVlImageProcessor.optimalCanvas(300, 300, 448, 1, 12));
        assertEquals(12 + 1, new sinkscope.model.TileGrid(4, 3, 448, true).numTiles());
    }
}
