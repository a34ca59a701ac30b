package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sinkscope.model.JsonFields;
import sinkscope.model.Checkpoint;
import sinkscope.model.CheckpointException;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;

/**
 * The families SinkScope runs, chosen by config.json's {@code model_type} as transformers' Auto classes choose
 * them. Adding a family is one line here and a folder under {@code sinkscope.model}; no job or analysis changes.
 */
public final class Families {
    private static final List<Family> ALL = List.of(new LlavaFamily(), new LlavaNextFamily(), new Qwen2VlFamily(),
            new Qwen3VlFamily(), new InternVlFamily());

    private Families() {}

    /**
     * The CLIP directory an original-layout LLaVA checkpoint ({@code LlavaLlamaForCausalLM}) reads its vision tower
     * from ({@code --vision-tower DIR}), for every later load in this JVM; null: the directory its
     * {@code mm_vision_tower} names. A JVM-wide setting (system property {@code sinkscope.visionTower}), so the
     * Spark executors of a local run see it; on a cluster pass {@code -Dsinkscope.visionTower=DIR} to the executors.
     */
    public static void visionTower(Path dir) {
        if (dir == null) {
            System.clearProperty(sinkscope.model.llava.LlavaConfig.VISION_TOWER_PROPERTY);
        } else {
            System.setProperty(sinkscope.model.llava.LlavaConfig.VISION_TOWER_PROPERTY, dir.toAbsolutePath().normalize().toString());
        }
    }

    /** Every supported {@code model_type}, in registry order. */
    public static List<String> modelTypes() {
        List<String> all = new ArrayList<>();
        for (Family f : ALL) {
            all.addAll(f.modelTypes());
        }
        return all;
    }

    /** Every family's named chat templates ({@link Family#templates}), in registry order: what {@code --template NAME} resolves. */
    public static Map<String, String> templates() {
        Map<String, String> all = new LinkedHashMap<>();
        for (Family f : ALL) {
            all = merge(all, f.templates());
        }
        return all;
    }

    /** {@code a} then {@code b}; a name in both must stand for the same text. */
    static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> out = new LinkedHashMap<>(a);
        b.forEach((name, text) -> {
            String had = out.putIfAbsent(name, text);
            if (had != null && !had.equals(text)) {
                throw new IllegalStateException("template '" + name + "' is declared twice with different texts");
            }
        });
        return java.util.Collections.unmodifiableMap(out);
    }

    /** The family that runs config.json {@code model_type}, or an error listing the supported ones. */
    public static Family named(String modelType) {
        for (Family f : ALL) {
            if (f.modelTypes().contains(modelType)) {
                return f;
            }
        }
        throw new IllegalArgumentException("model type '" + modelType + "' is not supported; supported: " + String.join(", ", modelTypes()));
    }

    /** The config of checkpoint directory {@code dir} (or of a config.json file given directly). */
    public static ModelConfig config(Path dirOrFile) {
        Path file = Files.isDirectory(dirOrFile) ? Checkpoint.configFile(dirOrFile) : dirOrFile;
        return family(file).config(file);
    }

    /** Loads the model and processor of checkpoint directory {@code dir}. */
    public static Lmm load(Path dir, Device device, DataType dtype) {
        return family(Checkpoint.configFile(dir)).load(dir, device, dtype);
    }

    private static Family family(Path file) {
        String type = modelType(file);
        for (Family f : ALL) {
            if (f.modelTypes().contains(type)) {
                return f;
            }
        }
        throw CheckpointException.of(file, "field 'model_type' is \"" + type + "\"; supported: " + String.join(", ", modelTypes()));
    }

    /** config.json's {@code model_type}, or an error naming the file. */
    public static String modelType(Path file) {
        JsonObject root = JsonFields.read(file);
        JsonElement t = root.get("model_type");
        if (t == null || t.isJsonNull() || !t.isJsonPrimitive()) {
            throw CheckpointException.of(file, "field 'model_type' is missing (supported: " + String.join(", ", modelTypes()) + ")");
        }
        return t.getAsString();
    }
}
