package sinkscope.model.auto;

import static sinkscope.model.auto.DecoderShape.json;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.RandomWeights;
import sinkscope.model.internvl.InternVl;
import sinkscope.model.internvl.InternVlConfig;

/** InternVL2.5/3/3.5 in the Hugging Face "-hf" layout, with a Qwen2, Qwen3 (InternVL3.5) or LLaMA decoder. */
final class InternVlFamily extends Family {
    /** Bench shape: InternVL3-8B's decoder (3584 hidden, 28 heads, 4 kv heads, 18944 MLP, 151674 vocabulary) and 7 tiles of 256 tokens (a 3:2 photo). */
    InternVlFamily() {
        super(List.of("internvl"), InternVlConfig.TEMPLATES, InternVlConfig::load, InternVl::load, new DecoderShape(3584, 28, 4, 1, 18944, 151674, 7 * 256, 0));
    }

    /** An InternVL config of the decoder shape (a Qwen2 decoder: q/k/v biases, 1-D rotary) with a one-layer InternViT of 448 px tiles. */
    @Override
    public Lmm random(DecoderShape s, Device device, DataType dtype) {
        var root = s.config("internvl", 32768, json("model_type", "qwen2", "rms_norm_eps", 1e-6, "rope_theta", 1e6), json("hidden_size", 32,
                "intermediate_size", 64, "num_hidden_layers", 1, "num_attention_heads", 2, "image_size", 448, "patch_size", 14));
        return InternVl.create(InternVlConfig.parse(Path.of("<bench-forward>"), root), new RandomWeights(42, 0.02), device, dtype);
    }
}
