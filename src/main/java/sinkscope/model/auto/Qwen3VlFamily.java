package sinkscope.model.auto;

import static sinkscope.model.auto.DecoderShape.json;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.RandomWeights;
import sinkscope.model.qwen3vl.Qwen3Vl;
import sinkscope.model.qwen3vl.Qwen3VlConfig;

/** Qwen3-VL (dense) in the Hugging Face layout. */
final class Qwen3VlFamily extends Family {
    /** Bench shape: Qwen3-VL-8B's decoder (4096 hidden, 32 heads of 128, 8 kv heads, 12288 MLP) and a 1000 x 1000 image (31 x 31 = 961 merged tokens). */
    Qwen3VlFamily() {
        super(List.of("qwen3_vl"), Qwen3VlConfig.TEMPLATES, Qwen3VlConfig::load, Qwen3Vl::load, new DecoderShape(4096, 32, 8, 1, 12288, 151936, 961, 0));
    }

    /**
     * A Qwen3-VL config of the decoder shape (Qwen3-VL's 24:20:20 split of {@code head_dim/2} into interleaved
     * multimodal rotary sections, q/k norms, no biases, DeepStack into the first three decoder layers as Qwen3-VL-8B,
     * fewer when the decoder has fewer) with a tiny vision tower.
     */
    @Override
    public Lmm random(DecoderShape s, Device device, DataType dtype) {
        int half = s.hidden() / s.heads() / 2;
        int h = half * 20 / 64;
        var rope = json("mrope_section", new int[] {half - 2 * h, h, h}, "rope_theta", 5e6, "mrope_interleaved", true);
        int[] deepstack = java.util.stream.IntStream.range(0, Math.min(3, s.layers())).toArray();
        var root = s.config("qwen3_vl", 32768, json("head_dim", s.hidden() / s.heads(), "rope_parameters", rope), json("depth", 3, "hidden_size", 32,
                "intermediate_size", 64, "num_heads", 2, "num_position_embeddings", 16, "out_hidden_size", s.hidden(), "deepstack_visual_indexes", deepstack));
        return Qwen3Vl.create(Qwen3VlConfig.parse(Path.of("<bench-forward>"), root), new RandomWeights(42, 0.02), device, dtype);
    }
}
