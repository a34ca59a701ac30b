package sinkscope.model.auto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import sinkscope.model.ImageLayout;
import sinkscope.model.ImageOptions;
import sinkscope.model.Lmm;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;

/** What each family tells the family-agnostic code through its config, read from the tiny golden checkpoints. */
class FamilySeamTest {

    /**
     * {@code --prompt-suffix auto}: lmms-eval's prompts for the Qwen-VL families (their published numbers), LLaVA-1.5's
     * for LLaVA, LLaVA-NeXT and InternVL (whose eval scripts ask LLaVA's short-answer and option-letter prompts).
     */
    @Test
    void suffixModeIsTheFamilys() {
        assertEquals("llava", Families.config(Golden.llava()).promptSuffixMode());
        assertEquals("llava", Families.config(Golden.llavaNextCheckpoint("mistral")).promptSuffixMode());
        assertEquals("qwen2_vl", Families.config(Golden.qwen2Vl()).promptSuffixMode());
        assertEquals("qwen2_vl", Families.config(Golden.qwen25VlCheckpoint()).promptSuffixMode());
        assertEquals("qwen2_vl", Families.config(Golden.qwen3VlCheckpoint()).promptSuffixMode());
        assertEquals("llava", Families.config(Golden.internVlCheckpoint()).promptSuffixMode());
        assertEquals(Path.of("config.json"), Families.config(Golden.qwen3VlCheckpoint()).file().getFileName());
    }

    /**
     * LLaVA-1.5's panel shows what its processor keeps of a 200 x 100 picture: the centre square (crop) or the picture
     * padded to a square (pad); Qwen-VL's grid shows the whole picture.
     */
    @Test
    void llavaPanelShowsTheCentreCropOrThePaddedSquare() {
        BufferedImage image = new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB);
        try (Lmm llava = Families.load(Golden.llava(), Device.cpu(), DataType.FLOAT32); NDManager m = llava.newSampleManager()) {
            String prompt = "USER: <image>\nWhat is it? ASSISTANT:";
            assertEquals(new ImageLayout.Region(0.25, 0, 0.75, 1), llava.encode(m, prompt, image, ImageOptions.mode("crop")).layout().panels().get(0).picture());
            assertEquals(new ImageLayout.Region(0, -0.5, 1, 1.5), llava.encode(m, prompt, image, ImageOptions.mode("pad")).layout().panels().get(0).picture());
        }
        try (Lmm qwen = Families.load(Golden.qwen2Vl(), Device.cpu(), DataType.FLOAT32); NDManager m = qwen.newSampleManager()) {
            String prompt = "<|vision_start|><|image_pad|><|vision_end|>What is it?";
            assertEquals(ImageLayout.Region.WHOLE, qwen.encode(m, prompt, image, ImageOptions.DEFAULT).layout().panels().get(0).picture());
        }
    }

    /**
     * Each family declares its named templates; a checkpoint's conversation format is one of its own family's, and the
     * registry holds every name once, in registry order.
     */
    @Test
    void templatesAreTheFamilys() {
        assertEquals(java.util.List.of("llava_hf", "vicuna_v1", "plain", "mistral_instruct", "qwen2_vl", "qwen3_vl", "internvl"),
                java.util.List.copyOf(Families.templates().keySet()));
        for (Path dir : java.util.List.of(Golden.llava(), Golden.llavaNextCheckpoint("mistral"), Golden.llavaNextCheckpoint("llama"), Golden.qwen2Vl(),
                Golden.qwen25VlCheckpoint(), Golden.qwen3VlCheckpoint(), Golden.internVlCheckpoint())) {
            var config = Families.config(dir);
            var own = Families.named(config.modelType()).templates();
            org.junit.jupiter.api.Assertions.assertTrue(own.containsKey(config.defaultTemplate()), dir + ": " + config.defaultTemplate());
        }
        assertEquals("qwen3_vl", Families.config(Golden.qwen3VlCheckpoint()).defaultTemplate());
        assertEquals("internvl", Families.config(Golden.internVlCheckpoint()).defaultTemplate());
        assertEquals(Families.templates().get("llava_hf"), Families.named("llava_next").templates().get("llava_hf"));
        assertEquals("[INST] <image>\n{question} [/INST]", Families.templates().get("mistral_instruct"));
    }

    /** bench-forward's shapes come from the registry by model_type: each family's own decoder width; an unknown type lists the supported ones. */
    @Test
    void benchShapesByModelType() {
        assertEquals(new DecoderShape(1024, 16, 16, 2, 2816, 32000, 576, 9), Families.named("llava").benchShape(2, 9));
        assertEquals(4096, Families.named("qwen3_vl").benchShape(2, 9).hidden());
        assertEquals(Families.named("qwen2_vl"), Families.named("qwen2_5_vl"));
        assertEquals(7 * 256, Families.named("internvl").benchShape(2, 9).imageTokens());
        String msg = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Families.named("idefics3")).getMessage();
        org.junit.jupiter.api.Assertions.assertTrue(msg.contains("idefics3") && msg.contains("llava_next") && msg.contains("internvl"), msg);
    }
}
