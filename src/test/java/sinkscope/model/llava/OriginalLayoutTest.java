package sinkscope.model.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.Golden;
import sinkscope.data.PromptTemplate;
import sinkscope.model.CheckpointException;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.KvCache;
import sinkscope.model.Lmm;
import sinkscope.model.Merged;
import sinkscope.model.Prefill;
import sinkscope.model.SafeTensors;
import sinkscope.model.SafeTensorsWriter;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;

/**
 * The original LLaVA layout ({@code LlavaLlamaForCausalLM}: flat LLaMA config with {@code mm_*} fields, projector under
 * {@code model.mm_projector.0/2}, the vision tower in a separate CLIP directory, {@code -200} image token, pad mode,
 * vicuna_v1): llava-tiny-a converted to it (the inverse of transformers' {@code convert_llava_weights_to_hf}) must
 * give the llava-hf checkpoint's ids, pixel values and greedy tokens exactly and its logits to float32 rounding.
 */
class OriginalLayoutTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clear() {
        Families.visionTower(null);
    }

    /** Writes llava-tiny-a in the original layout: {@code dir/} (LLaMA + projector, tokenizer) and {@code dir/<clip>/}. */
    static Path convert(Path dir, String clipName) throws IOException {
        Path src = Golden.llava();
        Path clip = dir.resolve(clipName);
        Files.createDirectories(clip);
        JsonObject hf = com.google.gson.JsonParser.parseString(Files.readString(src.resolve("config.json"))).getAsJsonObject();
        JsonObject cfg = hf.getAsJsonObject("text_config").deepCopy();
        cfg.remove("model_type");
        cfg.addProperty("model_type", "llava");
        cfg.add("architectures", com.google.gson.JsonParser.parseString("[\"LlavaLlamaForCausalLM\"]"));
        cfg.addProperty("mm_vision_tower", clipName);
        cfg.addProperty("mm_hidden_size", hf.getAsJsonObject("vision_config").get("hidden_size").getAsInt());
        cfg.addProperty("mm_projector_type", "mlp2x_gelu");
        cfg.addProperty("mm_vision_select_layer", -2);
        cfg.addProperty("mm_vision_select_feature", "patch");
        cfg.addProperty("mm_use_im_start_end", false);
        cfg.addProperty("mm_use_im_patch_token", false);
        cfg.addProperty("mm_patch_merge_type", "flat");
        cfg.addProperty("image_aspect_ratio", "pad");
        cfg.addProperty("_name_or_path", "llava-tiny-a-original");
        Files.writeString(dir.resolve("config.json"), new GsonBuilder().setPrettyPrinting().create().toJson(cfg));
        JsonObject clipCfg = new JsonObject();
        clipCfg.addProperty("model_type", "clip");
        clipCfg.add("vision_config", hf.getAsJsonObject("vision_config"));
        Files.writeString(clip.resolve("config.json"), clipCfg.toString());
        Files.copy(src.resolve("preprocessor_config.json"), clip.resolve("preprocessor_config.json"));
        Files.copy(src.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        SafeTensorsWriter lm = new SafeTensorsWriter();
        SafeTensorsWriter vis = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(src.resolve("model.safetensors"))) {
            for (Map.Entry<String, SafeTensors.Entry> e : st.entries().entrySet()) {
                String n = e.getKey();
                ByteBuffer b = st.bytes(n);
                byte[] data = new byte[b.remaining()];
                b.get(data);
                SafeTensors.Entry en = e.getValue();
                if (n.startsWith("vision_tower.")) {
                    vis.add(n.substring("vision_tower.".length()), en.dtype(), en.shape(), data);
                } else {
                    String to = n.startsWith("language_model.model.") ? "model." + n.substring("language_model.model.".length())
                            : n.startsWith("language_model.lm_head.") ? n.substring("language_model.".length())
                            : n.replace("multi_modal_projector.linear_1.", "model.mm_projector.0.").replace("multi_modal_projector.linear_2.", "model.mm_projector.2.");
                    lm.add(to, en.dtype(), en.shape(), data);
                }
            }
        }
        lm.write(dir.resolve("model.safetensors"));
        vis.write(clip.resolve("model.safetensors"));
        return dir;
    }

    @Test
    void convertedCheckpointGivesTheLlavaHfOutputs() throws Exception {
        Torch.configure(2);
        Path orig = convert(Files.createDirectories(tmp.resolve("llava-orig")), "clip-vit");
        var image = ImageIO.read(Golden.llava().resolve("images/image1_wide.png").toFile());
        String prompt = PromptTemplate.of("vicuna_v1", sinkscope.model.auto.Families.templates()).render("What is shown in this image?");
        try (Lmm hf = Families.load(Golden.llava(), Device.cpu(), DataType.FLOAT32);
                Lmm og = Families.load(orig, Device.cpu(), DataType.FLOAT32);
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            assertEquals("vicuna_v1", og.defaultTemplate());
            assertEquals("llava_hf", hf.defaultTemplate());
            LlavaConfig oc = (LlavaConfig) og.config();
            assertEquals(orig.resolve("clip-vit"), oc.original().visionTower());
            assertEquals(-200, oc.imageTokenIndex());
            Inputs a = hf.encode(m, prompt, image, ImageOptions.mode("pad"));
            Inputs b = og.encode(m, prompt, image, ImageOptions.DEFAULT); // pad by default
            assertEquals("pad", b.options().mode());
            long[] expected = a.inputIds().clone();
            for (int i = 0; i < expected.length; i++) {
                expected[i] = expected[i] == 32000 ? -200 : expected[i];
            }
            assertArrayEquals(expected, b.inputIds(), "tokenizer_image_token gives llava-hf's ids with -200 for <image>");
            assertArrayEquals(a.pixelValues().toFloatArray(), b.pixelValues().toFloatArray());
            float[][] logits = new float[2][];
            long[][] tokens = new long[2][];
            int k = 0;
            for (var pair : new Object[][] {{hf, a}, {og, b}}) {
                Lmm model = (Lmm) pair[0];
                Inputs in = (Inputs) pair[1];
                try (NDManager s = m.newSubManager(); KvCache cache = new KvCache(model.numLayers())) {
                    Merged merged = model.merge(s, in, model.imageFeatures(s, in));
                    Prefill p = model.prefill(s, merged, cache, null);
                    logits[k] = p.lastLogits().toFloatArray();
                    Generation g = model.generate(s, in, new GenerateOptions(6, false, 0), null);
                    tokens[k] = g.tokens();
                }
                k++;
            }
            // same weights, same ops: equal up to float32 rounding (a last-bit difference was seen, the kernels' summation
            // order depending on where a weight buffer lies), far inside the golden tolerances
            sinkscope.Allclose.assertClose("logits original vs llava-hf", logits[1], logits[0], 1e-5, 1e-6);
            assertArrayEquals(tokens[0], tokens[1], "identical greedy tokens");
        }
    }

    @Test
    void visionTowerComesFromTheFlagWhenTheConfigNamesNoDirectory() throws Exception {
        Path orig = convert(Files.createDirectories(tmp.resolve("o2")), "clip-vit");
        Path cfg = orig.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"clip-vit\"", "\"openai/clip-vit-large-patch14-336\""));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Families.config(orig));
        assertTrue(e.getMessage().contains("--vision-tower DIR") && e.getMessage().contains("openai/clip-vit-large-patch14-336"), e.getMessage());
        Families.visionTower(orig.resolve("clip-vit"));
        LlavaConfig c = (LlavaConfig) Families.config(orig);
        assertEquals(orig.resolve("clip-vit").toAbsolutePath().normalize(), c.original().visionTower());
        assertEquals(36, c.numImageTokens());
    }

    @Test
    void pickledOriginalWeightsAreRefusedWithTheConversionCommand() throws Exception {
        Path orig = convert(Files.createDirectories(tmp.resolve("o3")), "clip-vit");
        Files.delete(orig.resolve("model.safetensors"));
        Files.write(orig.resolve("pytorch_model-00001-of-00002.bin"), new byte[] {(byte) 0x80, 2});
        Exception e = assertThrows(CheckpointException.class, () -> Families.load(orig, Device.cpu(), DataType.FLOAT32));
        assertTrue(e.getMessage().contains("pytorch_model-00001-of-00002.bin") && e.getMessage().contains("weights_only=True")
                && e.getMessage().contains("save_file"), e.getMessage());
    }
}
