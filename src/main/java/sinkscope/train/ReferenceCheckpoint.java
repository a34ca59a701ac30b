package sinkscope.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import sinkscope.model.SafeTensorsWriter;
import sinkscope.model.Torch;
import sinkscope.model.llava.Llava;

/**
 * The llava-hf layout of a reference model: {@code config.json}, {@code preprocessor_config.json},
 * {@code generation_config.json}, the tokenizer files ({@link WordLevelTokenizer#write}) and
 * {@code model.safetensors} with every trained parameter in float16 under its v4.41 module path. The vision
 * tower's last encoder layer and {@code post_layernorm} are not stored: LLaVA reads the second-to-last layer, so
 * they never run and are never trained (the runtime, like Hugging Face, loads a checkpoint without them).
 */
public final class ReferenceCheckpoint {
    private ReferenceCheckpoint() {}

    /** Writes every file but the weights. */
    public static void writeConfigs(Path dir, Recipe recipe, WordLevelTokenizer tok) throws IOException {
        Files.createDirectories(dir);
        var gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
        Files.writeString(dir.resolve("config.json"), gson.toJson(recipe.configJson(tok)) + "\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("preprocessor_config.json"), gson.toJson(recipe.preprocessorJson()) + "\n", StandardCharsets.UTF_8);
        JsonObject gen = new JsonObject();
        gen.addProperty("bos_token_id", tok.bosId());
        gen.addProperty("eos_token_id", tok.eosId());
        gen.addProperty("pad_token_id", tok.padId());
        gen.addProperty("do_sample", false);
        gen.addProperty("transformers_version", "4.41.2");
        Files.writeString(dir.resolve("generation_config.json"), gson.toJson(gen) + "\n", StandardCharsets.UTF_8);
        tok.write(dir, recipe.maxPositions());
    }

    /** Writes {@code model.safetensors}: {@link Llava#parameters()} in float16. */
    public static void writeWeights(Path dir, Llava model) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            try (NDArray half = e.getValue().toType(DataType.FLOAT16, true)) {
                w.add(e.getKey(), half);
            }
        }
        w.write(dir.resolve("model.safetensors"));
    }

    /**
     * A stage taken from a trained checkpoint: every tensor of {@code model} whose name starts with {@code prefix} is
     * overwritten with the one of the same name and shape in the llava-hf checkpoint {@code dir} (float16 there, so the
     * copy is the checkpoint's value exactly); returns how many were copied. A missing tensor or another shape is an
     * error naming {@code flag}, the checkpoint and the tensor.
     *
     * <p>The copy is written into the parameter's own memory ({@link Torch#write}): the runtime reads many parameters
     * through views made at load (the stacked q/k/v and gate/up products, the transposed weights of {@code Linear},
     * the RMSNorm pairs), and {@code NDArray.set(float[])} would give the parameter new memory, leaving those views,
     * and so every pass without gradients, on the initial weights.
     */
    static int copyParameters(Llava model, Path dir, String prefix, String flag) {
        int copied = 0;
        try (Llava from = Llava.load(dir, ai.djl.Device.cpu(), DataType.FLOAT32)) {
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                if (!e.getKey().startsWith(prefix)) {
                    continue;
                }
                NDArray src = from.parameters().get(e.getKey());
                if (src == null || !src.getShape().equals(e.getValue().getShape())) {
                    throw new IllegalArgumentException(flag + " " + dir + ": " + e.getKey() + " is " + (src == null ? "missing" : src.getShape())
                            + ", the recipe's model has " + e.getValue().getShape());
                }
                Torch.write(e.getValue(), src, 0, 0);
                copied++;
            }
        }
        return copied;
    }
}
