package sinkscope.model.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.Golden;
import sinkscope.model.Checkpoint;
import sinkscope.model.CheckpointException;
import sinkscope.model.SafeTensors;
import sinkscope.model.SafeTensorsWriter;
import sinkscope.model.Torch;
import sinkscope.model.clip.LlavaTokenizer;

/** Bad checkpoints fail with a message that names the file and the field or tensor at fault. */
class CheckpointErrorsTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void engine() {
        Torch.configure(2);
    }

    /** A copy of the golden checkpoint with {@code config.json} edited. */
    private Path withConfig(Consumer<JsonObject> edit) throws IOException {
        Path dir = tmp.resolve("ck");
        Files.createDirectories(dir);
        for (String f : new String[] {"model.safetensors", "tokenizer.json", "preprocessor_config.json"}) {
            Files.createSymbolicLink(dir.resolve(f), Golden.llava().resolve(f).toAbsolutePath());
        }
        JsonObject cfg = JsonParser.parseString(Files.readString(Golden.llava().resolve("config.json"))).getAsJsonObject();
        edit.accept(cfg);
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        return dir;
    }

    private static String message(Runnable r) {
        return assertThrows(CheckpointException.class, r::run).getMessage();
    }

    @Test
    void missingModelType() throws IOException {
        Path dir = withConfig(c -> c.remove("model_type"));
        String msg = message(() -> sinkscope.model.auto.Families.config(dir));
        assertTrue(msg.contains("config.json") && msg.contains("'model_type'"), msg);
    }

    @Test
    void unknownActivation() throws IOException {
        Path dir = withConfig(c -> c.getAsJsonObject("text_config").addProperty("hidden_act", "gelu_new"));
        String msg = message(() -> sinkscope.model.auto.Families.config(dir));
        assertTrue(msg.contains("config.json") && msg.contains("'text_config.hidden_act'") && msg.contains("gelu_new"), msg);
    }

    @Test
    void kvHeadsMustDivideHeads() throws IOException {
        Path dir = withConfig(c -> c.getAsJsonObject("text_config").addProperty("num_key_value_heads", 3));
        String msg = message(() -> sinkscope.model.auto.Families.config(dir));
        assertTrue(msg.contains("'text_config.num_key_value_heads'") && msg.contains("does not divide"), msg);
    }

    @Test
    void wrongFieldType() throws IOException {
        Path dir = withConfig(c -> c.getAsJsonObject("vision_config").addProperty("patch_size", "fourteen"));
        String msg = message(() -> sinkscope.model.auto.Families.config(dir));
        assertTrue(msg.contains("'vision_config.patch_size'") && msg.contains("integer"), msg);
    }

    @Test
    void ropeScalingIsRefused() throws IOException {
        Path dir = withConfig(c -> {
            JsonObject r = new JsonObject();
            r.addProperty("type", "linear");
            r.addProperty("factor", 2.0);
            c.getAsJsonObject("text_config").add("rope_scaling", r);
        });
        assertTrue(message(() -> sinkscope.model.auto.Families.config(dir)).contains("'text_config.rope_scaling'"));
    }

    @Test
    void configThatDisagreesWithTheWeightsNamesTheTensor() throws IOException {
        Path dir = withConfig(c -> c.getAsJsonObject("text_config").addProperty("intermediate_size", 100));
        String msg = message(() -> Llava.load(dir, Device.cpu(), DataType.FLOAT32).close());
        assertTrue(msg.contains("model.safetensors") && msg.contains("mlp.gate_proj.weight") && msg.contains("shape [172, 64]"), msg);
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path dir = withConfig(c -> c.getAsJsonObject("text_config").addProperty("num_hidden_layers", 5));
        String msg = message(() -> Llava.load(dir, Device.cpu(), DataType.FLOAT32).close());
        assertTrue(msg.contains("language_model.model.layers.4.") && msg.contains("missing"), msg);
    }

    @Test
    void integerWeightsAreRefused() throws IOException {
        Path dir = tmp.resolve("int");
        Files.createDirectories(dir);
        Files.copy(Golden.llava().resolve("config.json"), dir.resolve("config.json"));
        new SafeTensorsWriter().add("multi_modal_projector.linear_1.weight", new long[64 * 32], 64, 32).write(dir.resolve("model.safetensors"));
        try (Checkpoint ck = Checkpoint.open(dir, sinkscope.model.clip.ClipLmmConfig::aliases); var m = ai.djl.ndarray.NDManager.newBaseManager()) {
            String msg = message(() -> ck.load(m, "multi_modal_projector.linear_1.weight", DataType.FLOAT32, Device.cpu(), 64, 32));
            assertTrue(msg.contains("model.safetensors") && msg.contains("multi_modal_projector.linear_1.weight") && msg.contains("I64"), msg);
        }
    }

    @Test
    void pickleOnlyCheckpointIsRefused() throws IOException {
        Path dir = tmp.resolve("pickle");
        Files.createDirectories(dir);
        Files.copy(Golden.llava().resolve("config.json"), dir.resolve("config.json"));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        String msg = message(() -> Checkpoint.open(dir, sinkscope.model.clip.ClipLmmConfig::aliases));
        assertTrue(msg.contains("pytorch_model.bin") && msg.contains("never loaded"), msg);
    }

    @Test
    void pickleShardInIndexIsRefused() throws IOException {
        Path dir = tmp.resolve("index");
        Files.createDirectories(dir);
        Files.copy(Golden.llava().resolve("config.json"), dir.resolve("config.json"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"a\": \"pytorch_model-00001.bin\"}}");
        String msg = message(() -> Checkpoint.open(dir, sinkscope.model.clip.ClipLmmConfig::aliases));
        assertTrue(msg.contains("model.safetensors.index.json") && msg.contains("never pickle"), msg);
    }

    @Test
    void shardedCheckpointLoadsTheSameWeights() throws IOException {
        Path dir = tmp.resolve("sharded");
        Files.createDirectories(dir);
        Files.copy(Golden.llava().resolve("config.json"), dir.resolve("config.json"));
        JsonObject map = new JsonObject();
        try (SafeTensors whole = SafeTensors.open(Golden.llava().resolve("model.safetensors"))) {
            SafeTensorsWriter a = new SafeTensorsWriter();
            SafeTensorsWriter b = new SafeTensorsWriter();
            int i = 0;
            for (SafeTensors.Entry e : whole.entries().values()) {
                byte[] raw = new byte[(int) (e.end() - e.begin())];
                whole.bytes(e.name()).get(raw);
                String shard = i++ % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
                (i % 2 == 1 ? a : b).add(e.name(), e.dtype(), e.shape(), raw);
                map.addProperty(e.name(), shard);
            }
            a.write(dir.resolve("model-00001-of-00002.safetensors"));
            b.write(dir.resolve("model-00002-of-00002.safetensors"));
        }
        JsonObject index = new JsonObject();
        index.add("weight_map", map);
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString());
        try (Checkpoint sharded = Checkpoint.open(dir, sinkscope.model.clip.ClipLmmConfig::aliases); Checkpoint whole = Checkpoint.open(Golden.llava(), sinkscope.model.clip.ClipLmmConfig::aliases);
                var m = ai.djl.ndarray.NDManager.newBaseManager()) {
            String name = "language_model.model.layers.3.mlp.down_proj.weight";
            assertArrayEquals(whole.load(m, name, DataType.FLOAT32, Device.cpu(), 64, 172).toFloatArray(),
                    sharded.load(m, name, DataType.FLOAT32, Device.cpu(), 64, 172).toFloatArray());
        }
    }

    @Test
    void tokenizerWithoutImageTokenIsNamed() throws IOException {
        JsonObject tok = JsonParser.parseString(Files.readString(Golden.llava().resolve("tokenizer.json"))).getAsJsonObject();
        JsonArray kept = new JsonArray();
        for (JsonElement e : tok.getAsJsonArray("added_tokens")) {
            if (!e.getAsJsonObject().get("content").getAsString().equals("<image>")) {
                kept.add(e);
            }
        }
        tok.add("added_tokens", kept);
        Path dir = tmp.resolve("tok");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tokenizer.json"), tok.toString());
        String msg = message(() -> LlavaTokenizer.load(dir, 32000));
        assertTrue(msg.contains("tokenizer.json") && msg.contains("<image>") && msg.contains("32000"), msg);
    }
}
