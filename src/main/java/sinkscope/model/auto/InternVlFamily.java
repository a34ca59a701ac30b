package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.RandomWeights;
import sinkscope.model.internvl.InternVl;
import sinkscope.model.internvl.InternVlConfig;

/** InternVL2.5/3/3.5 in the Hugging Face "-hf" layout, with a Qwen2 or LLaMA decoder. */
final class InternVlFamily extends Family {
    InternVlFamily() {
        super(List.of("internvl"), InternVlConfig.TEMPLATES, InternVlConfig::load, InternVl::load);
    }

    /** InternVL3-8B's decoder (3584 hidden, 28 heads, 4 kv heads, 18944 MLP, 151674 vocabulary) and 7 tiles of 256 tokens (a 3:2 photo). */
    @Override
    public DecoderShape benchShape(int layers, int maxPositions) {
        return new DecoderShape(3584, 28, 4, layers, 18944, 151674, 7 * 256, maxPositions);
    }

    /** An InternVL config of the decoder shape (a Qwen2 decoder: q/k/v biases, 1-D rotary) with a one-layer InternViT of 448 px tiles. */
    @Override
    public Lmm random(DecoderShape s, Device device, DataType dtype) {
        JsonObject text = s.textConfig(32768);
        text.addProperty("model_type", "qwen2");
        text.addProperty("rms_norm_eps", 1e-6);
        text.addProperty("rope_theta", 1e6);
        JsonObject vision = new JsonObject();
        vision.addProperty("hidden_size", 32);
        vision.addProperty("intermediate_size", 64);
        vision.addProperty("num_hidden_layers", 1);
        vision.addProperty("num_attention_heads", 2);
        vision.addProperty("image_size", 448);
        vision.addProperty("patch_size", 14);
        JsonObject root = new JsonObject();
        root.addProperty("model_type", "internvl");
        root.add("text_config", text);
        root.add("vision_config", vision);
        return InternVl.create(InternVlConfig.parse(Path.of("<bench-forward>"), root), new RandomWeights(42, 0.02), device, dtype);
    }
}
