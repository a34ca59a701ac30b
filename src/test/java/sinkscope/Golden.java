package sinkscope;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the golden data lives: the copies in {@code src/test/resources/golden/}, or another directory of the
 * same layout given by {@code -Dsinkscope.golden.llava=DIR} / {@code -Dsinkscope.golden.var=DIR}.
 */
public final class Golden {
    private Golden() {}

    /** The llava-tiny-a layout: a llava-hf checkpoint with {@code manifest.json}, {@code tensors/}, {@code var/}. */
    public static Path llava() {
        return dir("sinkscope.golden.llava", "golden/llava-tiny-a");
    }

    /** The var-unit-a layout: {@code manifest.json}, {@code inputs_*.safetensors}, {@code expected_*.safetensors}. */
    public static Path varUnit() {
        return dir("sinkscope.golden.var", "golden/var-unit-a");
    }

    /** The reference configs (the real llava-1.5-7b-hf config.json). */
    public static Path referenceConfigs() {
        return dir("sinkscope.golden.configs", "golden/reference-configs");
    }

    /**
     * The device the golden model tests run on: {@code -Dsinkscope.golden.device=cuda:0} (jobs/gpu-check.sh), else the
     * CPU; a GPU that cannot be used fails here with the cause ({@link sinkscope.model.DeviceCheck}).
     */
    public static ai.djl.Device device() {
        sinkscope.model.Torch.configure(2);
        return sinkscope.model.Torch.device(System.getProperty("sinkscope.golden.device", "cpu"));
    }

    public static JsonObject manifest(Path dir) {
        try {
            return JsonParser.parseString(Files.readString(dir.resolve("manifest.json"))).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + dir.resolve("manifest.json"), e);
        }
    }

    private static Path dir(String property, String resource) {
        String override = System.getProperty(property);
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        try {
            var url = Golden.class.getClassLoader().getResource(resource);
            if (url == null) {
                throw new IllegalStateException("test resource " + resource + " is missing");
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
