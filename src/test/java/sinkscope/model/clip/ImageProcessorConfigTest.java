package sinkscope.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.Golden;
import sinkscope.model.CheckpointException;

class ImageProcessorConfigTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheGoldenCheckpointConfig() throws IOException {
        Path file = Golden.llava().resolve("preprocessor_config.json");
        JsonObject json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        ImageProcessorConfig c = ImageProcessorConfig.load(file);
        assertEquals(json.getAsJsonObject("size").get("shortest_edge").getAsInt(), c.shortestEdge());
        assertEquals(json.getAsJsonObject("crop_size").get("height").getAsInt(), c.cropHeight());
        assertEquals(json.getAsJsonObject("crop_size").get("width").getAsInt(), c.cropWidth());
        assertEquals(json.get("rescale_factor").getAsDouble(), c.rescaleFactor());
        for (int i = 0; i < 3; i++) {
            assertEquals(json.getAsJsonArray("image_mean").get(i).getAsDouble(), c.imageMean()[i]);
            assertEquals(json.getAsJsonArray("image_std").get(i).getAsDouble(), c.imageStd()[i]);
        }
        assertTrue(c.doResize() && c.doCenterCrop() && c.doRescale() && c.doNormalize() && c.doConvertRgb());
    }

    @Test
    void absentFieldsTakeClipImageProcessorDefaults() throws IOException {
        ImageProcessorConfig c = load("{}");
        assertEquals(224, c.shortestEdge());
        assertEquals(224, c.cropHeight());
        assertEquals(224, c.cropWidth());
        assertEquals(ImageProcessorConfig.BICUBIC, c.resample());
        assertEquals(1.0 / 255.0, c.rescaleFactor());
        assertArrayEquals(new double[] {0.48145466, 0.4578275, 0.40821073}, c.imageMean());
        assertArrayEquals(new double[] {0.26862954, 0.26130258, 0.27577711}, c.imageStd());
        assertTrue(c.doResize() && c.doCenterCrop() && c.doRescale() && c.doNormalize() && c.doConvertRgb());
    }

    @Test
    void intSizesAndExactResize() throws IOException {
        ImageProcessorConfig c = load("{\"size\": 336, \"crop_size\": 300, \"image_mean\": 0.5, \"do_center_crop\": false}");
        assertEquals(336, c.shortestEdge());
        assertEquals(300, c.cropHeight());
        assertEquals(300, c.cropWidth());
        assertArrayEquals(new double[] {0.5, 0.5, 0.5}, c.imageMean());
        assertEquals(false, c.doCenterCrop());
        ImageProcessorConfig e = load("{\"size\": {\"height\": 20, \"width\": 30}}");
        assertEquals(0, e.shortestEdge());
        assertEquals(20, e.resizeHeight());
        assertEquals(30, e.resizeWidth());
    }

    @Test
    void errorsNameTheFileAndField() throws IOException {
        assertError("{\"resample\": 2}", "'resample'");
        assertError("{\"size\": {\"longest_edge\": 5}}", "'size'");
        assertError("{\"size\": {\"shortest_edge\": -1}}", "'size.shortest_edge'");
        assertError("{\"crop_size\": {\"height\": 5}}", "'crop_size'");
        assertError("{\"image_mean\": [0.1, 0.2]}", "'image_mean'");
        assertError("{\"image_std\": [0.1, 0, 0.2]}", "'image_std'");
        assertError("{\"do_resize\": \"yes\"}", "'do_resize'");
        assertError("{\"rescale_factor\": \"x\"}", "'rescale_factor'");
        assertError("[1]", "not a JSON object");
    }

    private void assertError(String json, String field) throws IOException {
        Path f = tmp.resolve("preprocessor_config.json");
        Files.writeString(f, json);
        CheckpointException e = assertThrows(CheckpointException.class, () -> ImageProcessorConfig.load(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains(field), e.getMessage());
    }

    private ImageProcessorConfig load(String json) throws IOException {
        Path f = tmp.resolve("preprocessor_config.json");
        Files.writeString(f, json);
        return ImageProcessorConfig.load(f);
    }
}
