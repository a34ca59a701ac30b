package sinkscope.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.data.ImageDecoder;
import sinkscope.data.PromptTemplate;
import sinkscope.model.ImageProcessingException;
import sinkscope.model.RgbImage;
import sinkscope.model.SafeTensors;
import sinkscope.model.qwenvl.QwenVlImageProcessor;

/**
 * The Qwen2-VL image processor against HF's PIL path ({@code preprocess.safetensors}: the smart-resized uint8 image
 * bit for bit, pixel values within the manifest's 1e-5, the grid exactly) on every golden image (no resize,
 * max_pixels downscale, min_pixels upscale, round half to even), and the chat template against HF's rendered prompts.
 */
class Qwen2VlImageProcessorTest {

    @TestFactory
    List<DynamicTest> matchesGoldenPreprocessing() {
        Path dir = Golden.qwen2Vl();
        JsonObject manifest = Golden.manifest(dir);
        Qwen2VlConfig config = Qwen2VlConfig.load(dir.resolve("config.json"));
        QwenVlImageProcessor processor = QwenVlImageProcessor.load(dir.resolve("preprocessor_config.json"), config.vision());
        JsonObject pre = manifest.getAsJsonObject("preprocess_file");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : pre.getAsJsonArray("images")) {
            JsonObject img = e.getAsJsonObject();
            int i = img.get("image_index").getAsInt();
            tests.add(DynamicTest.dynamicTest(img.get("file").getAsString() + " (" + img.get("note").getAsString() + ")", () -> {
                QwenVlImageProcessor.Result r = processor.process(RgbImage.of(new ImageDecoder().decode(dir.resolve(img.get("file").getAsString()))));
                try (SafeTensors st = SafeTensors.open(dir.resolve(pre.get("file").getAsString()))) {
                    long[] hw = st.longs("image" + i + ".resized_hw");
                    assertEquals(hw[0], r.resized().height(), "resized height");
                    assertEquals(hw[1], r.resized().width(), "resized width");
                    long[] u8 = st.longs("image" + i + ".resized_uint8");
                    byte[] got = r.resized().hwc();
                    for (int k = 0; k < u8.length; k++) {
                        if ((got[k] & 0xff) != u8[k]) {
                            throw new AssertionError("resized_uint8 differs at " + k + ": " + (got[k] & 0xff) + " vs " + u8[k]);
                        }
                    }
                    assertArrayEquals(st.longs("image" + i + ".image_grid_thw"), r.gridThw(), "image_grid_thw");
                    Allclose.assertClose("image" + i + ".pixel_values", r.pixelValues(), st.floats("image" + i + ".pixel_values"), 1e-5, 0);
                }
            }));
        }
        assertEquals(7, tests.size());
        return tests;
    }

    @Test
    void chatTemplateRendersAsTransformers() {
        for (Path dir : List.of(Golden.qwen2Vl(), Golden.qwen25Vl())) {
            for (JsonElement e : Golden.manifest(dir).getAsJsonArray("samples")) {
                JsonObject s = e.getAsJsonObject();
                assertEquals(s.get("prompt_text").getAsString(), PromptTemplate.of("qwen2_vl", sinkscope.model.auto.Families.templates()).render(s.get("question").getAsString()), s.get("id").getAsString());
            }
        }
    }

    @Test
    void smartResizeAsHf() {
        // expected values from transformers 5.18's smart_resize (image_processing_pil_qwen2_vl.py) run on the same inputs
        QwenVlImageProcessor p = new QwenVlImageProcessor(56 * 56, 12845056, 14, 2, 2, 1 / 255.0, new double[] {0, 0, 0}, new double[] {1, 1, 1},
                true, true, true);
        assertArrayEquals(new int[] {1008, 1008}, p.smartResize(1000, 1000)); // round(1000 / 28) = 36: Qwen2-VL-7B's 36 x 36 = 1296 tokens
        assertArrayEquals(new int[] {56, 112}, p.smartResize(70, 126)); // 2.5 and 4.5 round to even
        QwenVlImageProcessor capped = p.withPixels(0, 28 * 28 * 1280);
        assertArrayEquals(new int[] {980, 980}, capped.smartResize(1000, 1000)); // 1008^2 > max_pixels: beta = sqrt(1e6 / 1003520)
        assertArrayEquals(new int[] {1148, 840}, capped.smartResize(4000, 3000));
        ImageProcessingException wide = assertThrows(ImageProcessingException.class, () -> p.smartResize(10, 2500));
        assertTrue(wide.getMessage().contains("aspect ratio"), wide.getMessage());
        // 28 x 2800 at max_pixels 3136: HF's floor(...) gives 28 x 560 = 15680 pixels, still above the limit: refused, not run
        QwenVlImageProcessor small = p.withPixels(28 * 28, 28 * 28 * 4);
        ImageProcessingException big = assertThrows(ImageProcessingException.class, () -> small.smartResize(28, 2800));
        assertTrue(big.getMessage().contains("max_pixels"), big.getMessage());
    }
}
