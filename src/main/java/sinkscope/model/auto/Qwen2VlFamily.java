package sinkscope.model.auto;

import static sinkscope.model.auto.DecoderShape.json;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.RandomWeights;
import sinkscope.model.qwen2vl.Qwen2Vl;
import sinkscope.model.qwen2vl.Qwen2VlConfig;

/** Qwen2-VL and Qwen2.5-VL in the Hugging Face layout. */
final class Qwen2VlFamily extends Family {
    /** Bench shape: Qwen2-VL-2B's decoder (1536 hidden, 12 heads, 2 kv heads, 8960 MLP) and a 1000 x 1000 image (36 x 36 = 1296 merged tokens). */
    Qwen2VlFamily() {
        super(List.of("qwen2_vl", "qwen2_5_vl"), Qwen2VlConfig.TEMPLATES, Qwen2VlConfig::load, Qwen2Vl::load,
                new DecoderShape(1536, 12, 2, 1, 8960, 151936, 1296, 0));
    }

    /**
     * A Qwen2-VL config of the decoder shape (multimodal rotary sections in Qwen2-VL's 1:1.5:1.5 split of
     * {@code head_dim/2}, q/k/v biases) with a one-block vision tower.
     */
    @Override
    public Lmm random(DecoderShape s, Device device, DataType dtype) {
        int half = s.hidden() / s.heads() / 2;
        int t = half / 4;
        int h = (half - t) / 2;
        var rope = json("mrope_section", new int[] {t, h, half - t - h}, "rope_theta", 1e6);
        var root = s.config("qwen2_vl", 32768, json("rms_norm_eps", 1e-6, "rope_parameters", rope),
                json("depth", 1, "embed_dim", 32, "num_heads", 2, "hidden_size", s.hidden()));
        return Qwen2Vl.create(Qwen2VlConfig.parse(Path.of("<bench-forward>"), root), new RandomWeights(42, 0.02), device, dtype);
    }
}
