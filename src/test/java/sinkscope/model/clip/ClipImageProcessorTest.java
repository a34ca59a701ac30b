package sinkscope.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.RgbImage;
import sinkscope.model.SafeTensors;

/**
 * The image processor against the golden {@code preprocess.safetensors}: every tensor listed in the manifest's
 * {@code preprocess_file.tensors}, uint8 intermediates and float pixel values, with the manifest's tolerances.
 */
class ClipImageProcessorTest {
    private static final Pattern NAME = Pattern.compile("image(\\d+)\\.(crop|pad)\\.(padded_uint8|resized_uint8|cropped_uint8|pixel_values)");

    @TestFactory
    List<DynamicTest> matchesGoldenPreprocessing() throws IOException {
        Path dir = Golden.llava();
        JsonObject manifest = Golden.manifest(dir);
        ClipImageProcessor processor = new ClipImageProcessor(ImageProcessorConfig.load(dir.resolve("preprocessor_config.json")));
        Map<Integer, String> imageFiles = new HashMap<>();
        for (JsonElement s : manifest.getAsJsonArray("samples")) {
            JsonObject o = s.getAsJsonObject();
            imageFiles.put(o.get("image_index").getAsInt(), o.get("image_file").getAsString());
        }
        JsonObject pre = manifest.getAsJsonObject("preprocess_file");
        Path file = dir.resolve(pre.get("file").getAsString());
        Map<String, ClipImageProcessor.Result> results = new HashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        Set<String> pixelValuesChecked = new HashSet<>();
        for (JsonElement t : pre.getAsJsonArray("tensors")) {
            JsonObject spec = t.getAsJsonObject();
            String name = spec.get("name").getAsString();
            Matcher m = NAME.matcher(name);
            if (!m.matches()) {
                fail("manifest lists preprocess tensor '" + name + "' whose meaning this test does not know");
            }
            int image = Integer.parseInt(m.group(1));
            String imageFile = imageFiles.get(image);
            assertNotNull(imageFile, "no sample in the manifest names the file of image " + image);
            ClipImageProcessor.Mode mode = ClipImageProcessor.Mode.valueOf(m.group(2).toUpperCase(Locale.ROOT));
            String kind = m.group(3);
            double atol = spec.getAsJsonObject("tolerance").get("atol").getAsDouble();
            double rtol = spec.getAsJsonObject("tolerance").get("rtol").getAsDouble();
            if (kind.equals("pixel_values")) {
                pixelValuesChecked.add(image + "." + mode);
            }
            tests.add(DynamicTest.dynamicTest(name, () -> {
                ClipImageProcessor.Result r = results.computeIfAbsent(image + "." + mode, k -> {
                    try {
                        return processor.process(ImageIO.read(dir.resolve(imageFile).toFile()), mode);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                try (SafeTensors st = SafeTensors.open(file)) {
                    long[] shape = st.entry(name).shape();
                    long[] manifestShape = longs(spec, "shape");
                    assertArrayEquals(manifestShape, shape, name + ": shape in the file vs the manifest");
                    if (kind.equals("pixel_values")) {
                        assertArrayEquals(new long[] {1, 3, r.height(), r.width()}, shape, name + ": shape");
                        Allclose.assertClose(name, r.pixelValues(), st.floats(name), atol, rtol);
                    } else {
                        RgbImage actual = switch (kind) {
                            case "padded_uint8" -> r.padded();
                            case "resized_uint8" -> r.resized();
                            default -> r.cropped();
                        };
                        assertNotNull(actual, name + ": no such stage in mode " + mode);
                        assertArrayEquals(new long[] {actual.height(), actual.width(), 3}, shape, name + ": shape HWC");
                        Allclose.assertClose(name, toFloats(actual.hwc()), toFloats(st.longs(name)), atol, rtol);
                    }
                }
            }));
        }
        assertFalse(pixelValuesChecked.isEmpty(), "the manifest lists no pixel_values to check");
        return tests;
    }

    private static long[] longs(JsonObject o, String field) {
        var a = o.getAsJsonArray(field);
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static float[] toFloats(byte[] u8) {
        float[] f = new float[u8.length];
        for (int i = 0; i < u8.length; i++) {
            f[i] = u8[i] & 0xff;
        }
        return f;
    }

    private static float[] toFloats(long[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = v[i];
        }
        return f;
    }

    @Test
    void ndArrayHelperIsBatchOfOne() throws IOException {
        Path dir = Golden.llava();
        ClipImageProcessor processor = new ClipImageProcessor(ImageProcessorConfig.load(dir.resolve("preprocessor_config.json")));
        BufferedImage img = new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB);
        img.setRGB(3, 4, 0x123456);
        float[] chw = processor.pixelValues(img, ClipImageProcessor.Mode.CROP);
        int s = processor.config().cropHeight();
        assertEquals(3 * s * s, chw.length);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = processor.pixelValues(manager, img, ClipImageProcessor.Mode.CROP);
            assertEquals(new Shape(1, 3, s, s), a.getShape());
            assertEquals(DataType.FLOAT32, a.getDataType());
            assertArrayEquals(chw, a.toFloatArray());
        }
    }

    @Test
    void padModeCentresOnMeanColourAndCropModeHasNoPaddedStage() {
        ImageProcessorConfig config = ImageProcessorConfig.defaults();
        ClipImageProcessor processor = new ClipImageProcessor(config);
        assertArrayEquals(new int[] {122, 116, 104}, processor.background());
        BufferedImage img = new BufferedImage(5, 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 5; x++) {
                img.setRGB(x, y, 0xff0000 | x << 8 | y);
            }
        }
        ClipImageProcessor.Result pad = processor.process(img, ClipImageProcessor.Mode.PAD);
        RgbImage p = pad.padded();
        assertEquals(5, p.width());
        assertEquals(5, p.height());
        // top = (5 - 2) // 2 = 1: rows 1 and 2 hold the image, rows 0, 3, 4 the background
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                int[] expected = y == 1 || y == 2 ? new int[] {255, x, y - 1} : new int[] {122, 116, 104};
                assertArrayEquals(expected, new int[] {p.get(x, y, 0), p.get(x, y, 1), p.get(x, y, 2)}, "padded pixel " + x + "," + y);
            }
        }
        assertNull(processor.process(img, ClipImageProcessor.Mode.CROP).padded());
    }

    @Test
    void centerCropLargerThanImageIsZeroPaddedLikeHf() {
        byte[] hwc = new byte[2 * 3 * 3];
        for (int i = 0; i < hwc.length; i++) {
            hwc[i] = (byte) (i + 1);
        }
        RgbImage img = new RgbImage(3, 2, hwc); // w=3, h=2
        RgbImage c = ClipImageProcessor.centerCrop(img, 4, 1);
        // rows: top = (2 - 4) // 2 = -1 -> image rows at 1, 2; cols: left = (3 - 1) // 2 = 1
        assertEquals(1, c.width());
        assertEquals(4, c.height());
        int[] red = {c.get(0, 0, 0), c.get(0, 1, 0), c.get(0, 2, 0), c.get(0, 3, 0)};
        assertArrayEquals(new int[] {0, img.get(1, 0, 0), img.get(1, 1, 0), 0}, red);
    }

    @Test
    void pixelValuesFollowHfRescaleThenNormalizeInFloat32() {
        ImageProcessorConfig config = ImageProcessorConfig.defaults();
        ClipImageProcessor processor = new ClipImageProcessor(config);
        byte[] hwc = new byte[224 * 224 * 3];
        for (int i = 0; i < hwc.length; i++) {
            hwc[i] = (byte) (i * 7);
        }
        ClipImageProcessor.Result r = processor.process(new RgbImage(224, 224, hwc), ClipImageProcessor.Mode.CROP);
        assertArrayEquals(hwc, r.cropped().hwc(), "224x224 with size 224 is neither resized nor cropped");
        int hw = 224 * 224;
        for (int i = 0; i < hw; i += 997) {
            for (int c = 0; c < 3; c++) {
                float x = (float) ((hwc[i * 3 + c] & 0xff) * (1.0 / 255.0));
                float expected = (x - (float) config.imageMean()[c]) / (float) config.imageStd()[c];
                assertEquals(expected, r.pixelValues()[c * hw + i], 0.0f, "pixel " + i + " channel " + c);
            }
        }
        assertTrue(r.pixelValues()[0] < 0, "the first pixel (0) normalises below zero");
    }
}
