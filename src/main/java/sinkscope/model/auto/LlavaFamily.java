package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.Lmm;
import sinkscope.model.RandomWeights;
import sinkscope.model.llava.Llava;
import sinkscope.model.llava.LlavaConfig;

/** LLaVA-1.5 in the llava-hf layout. */
final class LlavaFamily extends Family {
    /** Bench shape: 1024 hidden, 16 heads (no GQA), 2816 MLP, LLaMA's 32000 vocabulary, 576 image tokens. */
    LlavaFamily() {
        super(List.of("llava"), LlavaConfig.TEMPLATES, LlavaConfig::load, Llava::load, new DecoderShape(1024, 16, 16, 1, 2816, 32000, 576, 0));
    }

    @Override
    public Lmm random(DecoderShape shape, Device device, DataType dtype) {
        return Llava.create(randomConfig(shape), new RandomWeights(42, 0.02), device, dtype);
    }

    /** Random ids around {@code <image>} and pixel values [1, 3, S, S] at the tower's image size. */
    @Override
    public Optional<Inputs> benchSample(Lmm model, int textTokens, NDManager m) {
        LlavaConfig c = (LlavaConfig) model.config();
        java.util.Random random = new java.util.Random(42);
        long[] ids = new long[textTokens + 1];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1 + random.nextInt(c.text().vocabSize() - 1);
        }
        ids[textTokens / 8] = c.imageTokenIndex();
        int size = c.vision().imageSize();
        int g = c.vision().gridSize();
        NDArray pixels = m.randomNormal(0f, 1f, new Shape(1, 3, size, size), DataType.FLOAT32).toDevice(model.device(), false);
        return Optional.of(new Inputs(ids, pixels, null, g, g, 0, 0, ImageOptions.DEFAULT));
    }

    /** A llava-hf style config ({@code modelType}) of the decoder shape with a two-layer CLIP tower of {@code imageSize} px and 14 px patches. */
    static JsonObject randomConfig(DecoderShape s, String modelType, int imageSize) {
        JsonObject root = s.config(modelType, 2048, DecoderShape.json("rms_norm_eps", 1e-5), DecoderShape.json("hidden_size", 64, "intermediate_size", 128,
                "num_hidden_layers", 2, "num_attention_heads", 2, "image_size", imageSize, "patch_size", 14));
        root.addProperty("vocab_size", s.vocab());
        return root;
    }

    static LlavaConfig randomConfig(DecoderShape s) {
        return LlavaConfig.parse(Path.of("<bench-forward>"), randomConfig(s, "llava", 14 * (int) Math.round(Math.sqrt(s.imageTokens()))));
    }
}
