package sinkscope.model.qwen3vl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDManager;
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
import sinkscope.model.ImageOptions;
import sinkscope.model.SafeTensors;
import sinkscope.model.SafeTensorsWriter;
import sinkscope.model.auto.Families;

/**
 * Qwen3-VL input the runtime refuses, naming the file and the field or tensor: MoE checkpoints, a non-interleaved
 * rotary, video input, a checkpoint without its merger or DeepStack weights; and the released config layout
 * ({@code rope_scaling}, {@code rope_theta} in {@code text_config}) read as transformers 5's.
 */
class Qwen3VlErrorsTest {
    @TempDir
    Path tmp;

    /** The assembled qwen3-vl-tiny-a, its config edited by {@code editConfig} and its weights kept by {@code keep}. */
    private Path variant(String name, Consumer<JsonObject> editConfig, Predicate<String> keep) throws IOException {
        Path src = Golden.qwen3VlCheckpoint();
        Path dir = Files.createDirectories(tmp.resolve(name));
        for (String f : new String[] {"preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"}) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        JsonObject config = JsonParser.parseString(Files.readString(src.resolve("config.json"))).getAsJsonObject();
        editConfig.accept(config);
        Files.writeString(dir.resolve("config.json"), config.toString());
        if (keep == null) {
            Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        } else {
            try (SafeTensors st = SafeTensors.open(src.resolve("model.safetensors")); NDManager m = NDManager.newBaseManager()) {
                SafeTensorsWriter w = new SafeTensorsWriter();
                for (String t : st.entries().keySet()) {
                    if (keep.test(t)) {
                        w.add(t, st.load(m, t).toType(DataType.FLOAT32, false));
                    }
                }
                w.write(dir.resolve("model.safetensors"));
            }
        }
        return dir;
    }

    private int variants;

    private String configError(Consumer<JsonObject> edit) throws IOException {
        Path dir = variant("config" + variants++, edit, null);
        return assertThrows(CheckpointException.class, () -> Families.config(dir)).getMessage();
    }

    @Test
    void moeCheckpointsAreRefused() throws IOException {
        String byType = configError(c -> c.addProperty("model_type", "qwen3_vl_moe"));
        assertTrue(byType.contains("config.json") && byType.contains("'model_type'") && byType.contains("\"qwen3_vl_moe\"")
                && byType.substring(byType.indexOf("supported: ")).contains("qwen3_vl"), byType);
        String byExperts = configError(c -> c.getAsJsonObject("text_config").addProperty("num_experts", 128));
        assertTrue(byExperts.contains("config.json") && byExperts.contains("'text_config.num_experts'") && byExperts.contains("Mixture-of-Experts"), byExperts);
    }

    @Test
    void contiguousRotaryAndBadSectionsAreRefused() throws IOException {
        String msg = configError(c -> c.getAsJsonObject("text_config").getAsJsonObject("rope_parameters").addProperty("mrope_interleaved", false));
        assertTrue(msg.contains("config.json") && msg.contains("'text_config.rope_parameters.mrope_interleaved'"), msg);
        String sections = configError(c -> c.getAsJsonObject("text_config").getAsJsonObject("rope_parameters")
                .add("mrope_section", JsonParser.parseString("[24, 20, 20]")));
        assertTrue(sections.contains("mrope_section") && sections.contains("head_dim/2 = 8"), sections);
        String deepstack = configError(c -> c.getAsJsonObject("vision_config").add("deepstack_visual_indexes", JsonParser.parseString("[0, 3]")));
        assertTrue(deepstack.contains("'vision_config.deepstack_visual_indexes'") && deepstack.contains("depth 3"), deepstack);
    }

    @Test
    void releasedLayoutReadsTheSame() throws IOException {
        Path dir = variant("released", c -> {
            JsonObject t = c.getAsJsonObject("text_config");
            JsonObject rope = t.remove("rope_parameters").getAsJsonObject();
            t.addProperty("rope_theta", rope.remove("rope_theta").getAsDouble());
            t.add("rope_scaling", rope);
        }, null);
        Qwen3VlConfig a = Qwen3VlConfig.load(Golden.qwen3Vl().resolve("config.json"));
        Qwen3VlConfig b = Qwen3VlConfig.load(dir.resolve("config.json"));
        assertEquals(a.text().ropeTheta(), b.text().ropeTheta());
        assertTrue(java.util.Arrays.equals(a.text().mropeSection(), b.text().mropeSection()) && b.text().mropeInterleaved() && b.text().qkNorm()
                && b.text().headDim() == 16 && !b.text().attentionBias(), b.text().toString());
    }

    @Test
    void missingMergerOrDeepStackWeightsNameTheTensor() throws IOException {
        for (String part : new String[] {"model.visual.deepstack_merger_list.1.", "model.visual.merger."}) {
            Path dir = variant(part.replace('.', '_'), c -> { }, t -> !t.startsWith(part));
            String msg = assertThrows(CheckpointException.class, () -> Families.load(dir, Device.cpu(), DataType.FLOAT32)).getMessage();
            assertTrue(msg.contains("model.safetensors") && msg.contains(part) && msg.contains("missing"), msg);
        }
    }

    @Test
    void videoInputIsRefused() {
        try (Qwen3Vl model = (Qwen3Vl) Families.load(Golden.qwen3VlCheckpoint(), Device.cpu(), DataType.FLOAT32); NDManager m = model.newSampleManager()) {
            String prompt = "<|im_start|>user\n<|vision_start|><|video_pad|><|vision_end|>What happens?<|im_end|>\n<|im_start|>assistant\n";
            var image = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
            String byToken = assertThrows(IllegalArgumentException.class, () -> model.encode(m, prompt, image, ImageOptions.DEFAULT)).getMessage();
            assertTrue(byToken.contains("video") && byToken.contains("<|video_pad|>"), byToken);
            String frames = "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>x<|im_end|>\n";
            var pixels = m.zeros(new ai.djl.ndarray.types.Shape(2 * 4 * 4, 3 * 2 * 16 * 16));
            var inputs = model.encode(m, frames, pixels, new long[] {2, 4, 4});
            String byGrid = assertThrows(IllegalArgumentException.class, () -> model.imageFeatures(m, inputs)).getMessage();
            assertTrue(byGrid.contains("video") && byGrid.contains("[2, 4, 4]"), byGrid);
        }
    }
}
