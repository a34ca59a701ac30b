package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.RandomWeights;
import sinkscope.model.qwen3vl.Qwen3Vl;
import sinkscope.model.qwen3vl.Qwen3VlConfig;

/** Qwen3-VL (dense) in the Hugging Face layout. */
final class Qwen3VlFamily extends Family {
    Qwen3VlFamily() {
        super(List.of("qwen3_vl"), Qwen3VlConfig.TEMPLATES, Qwen3VlConfig::load, Qwen3Vl::load);
    }

    /** Qwen3-VL-8B's decoder (4096 hidden, 32 heads of 128, 8 kv heads, 12288 MLP) and a 1000 x 1000 image (31 x 31 = 961 merged tokens). */
    @Override
    public DecoderShape benchShape(int layers, int maxPositions) {
        return new DecoderShape(4096, 32, 8, layers, 12288, 151936, 961, maxPositions);
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
        JsonObject rope = new JsonObject();
        com.google.gson.JsonArray section = new com.google.gson.JsonArray();
        section.add(half - 2 * h);
        section.add(h);
        section.add(h);
        rope.add("mrope_section", section);
        rope.addProperty("rope_theta", 5e6);
        rope.addProperty("mrope_interleaved", true);
        JsonObject text = s.textConfig(32768);
        text.addProperty("head_dim", s.hidden() / s.heads());
        text.add("rope_parameters", rope);
        JsonObject vision = new JsonObject();
        vision.addProperty("depth", 3);
        vision.addProperty("hidden_size", 32);
        vision.addProperty("intermediate_size", 64);
        vision.addProperty("num_heads", 2);
        vision.addProperty("num_position_embeddings", 16);
        vision.addProperty("out_hidden_size", s.hidden());
        com.google.gson.JsonArray deepstack = new com.google.gson.JsonArray();
        for (int k = 0; k < Math.min(3, s.layers()); k++) {
            deepstack.add(k);
        }
        vision.add("deepstack_visual_indexes", deepstack);
        JsonObject root = new JsonObject();
        root.addProperty("model_type", "qwen3_vl");
        root.add("text_config", text);
        root.add("vision_config", vision);
        return Qwen3Vl.create(Qwen3VlConfig.parse(Path.of("<bench-forward>"), root), new RandomWeights(42, 0.02), device, dtype);
    }
}
