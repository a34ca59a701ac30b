package sinkscope.model.qwen2vl;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.Golden;
import sinkscope.model.CheckpointException;
import sinkscope.model.SafeTensors;
import sinkscope.model.SafeTensorsWriter;
import sinkscope.model.auto.Families;
import sinkscope.spark.DeviceAssignment;
import sinkscope.spark.ModelSampleRunner;
import sinkscope.spark.RunnerSpec;

/** Bad Qwen2-VL checkpoints and settings: errors that name the file and the field or tensor. */
class Qwen2VlErrorsTest {
    @TempDir
    Path tmp;

    /** A copy of qwen2-vl-tiny-a with config.json edited (the other files linked). */
    private Path withConfig(Consumer<JsonObject> edit) throws IOException {
        Path src = Golden.qwen2Vl();
        Path dir = Files.createDirectories(tmp.resolve("ck"));
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals("config.json")) {
                    Files.createSymbolicLink(dir.resolve(f.getFileName()), f);
                }
            }
        }
        JsonObject c = JsonParser.parseString(Files.readString(src.resolve("config.json"))).getAsJsonObject();
        edit.accept(c);
        Files.writeString(dir.resolve("config.json"), c.toString());
        return dir;
    }

    @Test
    void unknownModelTypeListsTheSupportedOnes() throws IOException {
        Path dir = withConfig(c -> c.addProperty("model_type", "idefics3"));
        String msg = assertThrows(CheckpointException.class, () -> Families.config(dir)).getMessage();
        assertTrue(msg.contains("config.json") && msg.contains("'model_type'") && msg.contains("idefics3") && msg.contains("llava")
                && msg.contains("qwen2_vl") && msg.contains("qwen2_5_vl"), msg);
    }

    @Test
    void mropeSectionMustCoverHalfTheHeadDim() throws IOException {
        Path dir = withConfig(c -> c.getAsJsonObject("text_config").getAsJsonObject("rope_parameters").add("mrope_section",
                JsonParser.parseString("[16, 24, 24]")));
        String msg = assertThrows(CheckpointException.class, () -> Families.config(dir)).getMessage();
        assertTrue(msg.contains("config.json") && msg.contains("mrope_section") && msg.contains("head_dim/2 = 4"), msg);
    }

    @Test
    void releasedLayoutConfigReadsTheSame() throws IOException {
        // the released Qwen2-VL layout: decoder fields at the top level, rope_scaling {type: mrope}, rope_theta
        Path dir = withConfig(c -> {
            JsonObject t = c.remove("text_config").getAsJsonObject();
            JsonObject rope = t.remove("rope_parameters").getAsJsonObject();
            for (String k : t.keySet()) {
                c.add(k, t.get(k));
            }
            c.addProperty("model_type", "qwen2_vl");
            c.addProperty("rope_theta", rope.get("rope_theta").getAsDouble());
            JsonObject scaling = new JsonObject();
            scaling.addProperty("type", "mrope");
            scaling.add("mrope_section", rope.get("mrope_section"));
            c.add("rope_scaling", scaling);
        });
        Qwen2VlConfig a = Qwen2VlConfig.load(Golden.qwen2Vl().resolve("config.json"));
        Qwen2VlConfig b = Qwen2VlConfig.load(dir.resolve("config.json"));
        assertTrue(java.util.Arrays.equals(a.text().mropeSection(), b.text().mropeSection()) && a.text().ropeTheta() == b.text().ropeTheta()
                && a.text().hiddenSize() == b.text().hiddenSize() && a.text().numKeyValueHeads() == b.text().numKeyValueHeads()
                && a.text().tieWordEmbeddings() == b.text().tieWordEmbeddings(), a.text() + " vs " + b.text());
    }

    @Test
    void missingMergerWeightsNameTheTensor() throws IOException {
        Path src = Golden.qwen2Vl();
        Path dir = Files.createDirectories(tmp.resolve("nomerger"));
        for (String f : new String[] {"config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"}) {
            Files.createSymbolicLink(dir.resolve(f), src.resolve(f));
        }
        // every weight but the merger's
        try (SafeTensors st = SafeTensors.open(src.resolve("model.safetensors")); var m = ai.djl.ndarray.NDManager.newBaseManager()) {
            SafeTensorsWriter w = new SafeTensorsWriter();
            for (String name : st.entries().keySet()) {
                if (!name.contains("merger")) {
                    w.add(name, st.load(m, name).toType(DataType.FLOAT32, false));
                }
            }
            w.write(dir.resolve("model.safetensors"));
        }
        String msg = assertThrows(CheckpointException.class, () -> Families.load(dir, Device.cpu(), DataType.FLOAT32)).getMessage();
        assertTrue(msg.contains("visual.merger") && msg.contains("missing"), msg);
    }

    @Test
    void templateWithoutTheImagePlaceholderFailsAtStart() {
        RunnerSpec spec = new RunnerSpec(RunnerSpec.DEFAULT_FACTORY, Golden.qwen2Vl().toString(), "auto", 1, java.util.List.of(11, 6), 3.0,
                "llava_hf", 4);
        String msg = assertThrows(IllegalArgumentException.class, () -> new ModelSampleRunner(spec, DeviceAssignment.cpu(1))).getMessage();
        assertTrue(msg.contains("<|image_pad|>") && msg.contains("qwen2_vl") && msg.contains("config.json"), msg);
    }
}
