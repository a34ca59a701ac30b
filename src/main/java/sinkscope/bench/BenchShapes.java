package sinkscope.bench;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import sinkscope.model.Lmm;
import sinkscope.model.RandomWeights;
import sinkscope.model.internvl.InternVl;
import sinkscope.model.internvl.InternVlConfig;
import sinkscope.model.llava.Llava;
import sinkscope.model.llava.LlavaConfig;
import sinkscope.model.qwen2vl.Qwen2Vl;
import sinkscope.model.qwen2vl.Qwen2VlConfig;
import sinkscope.model.qwen3vl.Qwen3Vl;
import sinkscope.model.qwen3vl.Qwen3VlConfig;

/**
 * The random-weight models of {@code bench-forward}'s decoder shapes ({@link ForwardBench.Settings}): one config per
 * family with the shape's decoder and a token-sized vision tower that the timing does not use, and the model built
 * from it ({@link RandomWeights}, seed 42, std 0.02).
 */
public final class BenchShapes {
    private BenchShapes() {}

    /** A llava-hf config of the benchmark's decoder shape (a one-layer CLIP tower, unused by the prefill timing). */
    public static LlavaConfig config(ForwardBench.Settings s) {
        JsonObject text = new JsonObject();
        text.addProperty("hidden_size", s.hidden());
        text.addProperty("num_attention_heads", s.heads());
        text.addProperty("num_key_value_heads", s.kvHeads());
        text.addProperty("num_hidden_layers", s.layers());
        text.addProperty("intermediate_size", s.intermediate());
        text.addProperty("vocab_size", s.vocab());
        text.addProperty("max_position_embeddings", Math.max(2048, s.seqLen() + s.decodeSteps() + 8));
        text.addProperty("rms_norm_eps", 1e-5);
        JsonObject vision = new JsonObject();
        vision.addProperty("hidden_size", 64);
        vision.addProperty("intermediate_size", 128);
        vision.addProperty("num_hidden_layers", 2);
        vision.addProperty("num_attention_heads", 2);
        vision.addProperty("image_size", 14 * (int) Math.round(Math.sqrt(s.imageTokens())));
        vision.addProperty("patch_size", 14);
        JsonObject root = new JsonObject();
        root.addProperty("model_type", "llava");
        root.add("text_config", text);
        root.add("vision_config", vision);
        root.addProperty("vocab_size", s.vocab());
        return LlavaConfig.parse(Path.of("<bench-forward>"), root);
    }

    /**
     * A Qwen2-VL config of the benchmark's decoder shape (multimodal rotary sections in Qwen2-VL's 1:1.5:1.5 split of
     * {@code head_dim/2}, q/k/v biases; a one-block vision tower, unused by the timing).
     */
    public static Qwen2VlConfig qwen2VlConfig(ForwardBench.Settings s) {
        int half = s.hidden() / s.heads() / 2;
        int t = half / 4;
        int h = (half - t) / 2;
        JsonObject rope = new JsonObject();
        com.google.gson.JsonArray section = new com.google.gson.JsonArray();
        section.add(t);
        section.add(h);
        section.add(half - t - h);
        rope.add("mrope_section", section);
        rope.addProperty("rope_theta", 1e6);
        JsonObject text = new JsonObject();
        text.addProperty("hidden_size", s.hidden());
        text.addProperty("num_attention_heads", s.heads());
        text.addProperty("num_key_value_heads", s.kvHeads());
        text.addProperty("num_hidden_layers", s.layers());
        text.addProperty("intermediate_size", s.intermediate());
        text.addProperty("vocab_size", s.vocab());
        text.addProperty("max_position_embeddings", Math.max(32768, s.seqLen() + s.decodeSteps() + 8));
        text.addProperty("rms_norm_eps", 1e-6);
        text.add("rope_parameters", rope);
        JsonObject vision = new JsonObject();
        vision.addProperty("depth", 1);
        vision.addProperty("embed_dim", 32);
        vision.addProperty("num_heads", 2);
        vision.addProperty("hidden_size", s.hidden());
        JsonObject root = new JsonObject();
        root.addProperty("model_type", "qwen2_vl");
        root.add("text_config", text);
        root.add("vision_config", vision);
        return Qwen2VlConfig.parse(Path.of("<bench-forward>"), root);
    }

    /**
     * A Qwen3-VL config of the benchmark's decoder shape (Qwen3-VL's 24:20:20 split of {@code head_dim/2} into
     * interleaved multimodal rotary sections, q/k norms, no biases, three DeepStack layers as Qwen3-VL-8B; a tiny
     * vision tower, unused by the timing).
     */
    public static Qwen3VlConfig qwen3VlConfig(ForwardBench.Settings s) {
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
        JsonObject text = new JsonObject();
        text.addProperty("hidden_size", s.hidden());
        text.addProperty("num_attention_heads", s.heads());
        text.addProperty("num_key_value_heads", s.kvHeads());
        text.addProperty("head_dim", s.hidden() / s.heads());
        text.addProperty("num_hidden_layers", s.layers());
        text.addProperty("intermediate_size", s.intermediate());
        text.addProperty("vocab_size", s.vocab());
        text.addProperty("max_position_embeddings", Math.max(32768, s.seqLen() + s.decodeSteps() + 8));
        text.add("rope_parameters", rope);
        JsonObject vision = new JsonObject();
        vision.addProperty("depth", 3);
        vision.addProperty("hidden_size", 32);
        vision.addProperty("intermediate_size", 64);
        vision.addProperty("num_heads", 2);
        vision.addProperty("num_position_embeddings", 16);
        vision.addProperty("out_hidden_size", s.hidden());
        com.google.gson.JsonArray deepstack = new com.google.gson.JsonArray();
        for (int k = 0; k < deepstackLayers(s); k++) {
            deepstack.add(k);
        }
        vision.add("deepstack_visual_indexes", deepstack);
        JsonObject root = new JsonObject();
        root.addProperty("model_type", "qwen3_vl");
        root.add("text_config", text);
        root.add("vision_config", vision);
        return Qwen3VlConfig.parse(Path.of("<bench-forward>"), root);
    }

    /** Qwen3-VL-8B's three DeepStack layers, or as many as the benchmark's decoder has. */
    static int deepstackLayers(ForwardBench.Settings s) {
        return Math.min(3, s.layers());
    }

    /**
     * An InternVL config of the benchmark's decoder shape (a Qwen2 decoder: q/k/v biases, 1-D rotary) with a one-layer
     * InternViT of 448 px tiles and 14 px patches (256 tokens per tile; unused by the timing).
     */
    public static InternVlConfig internVlConfig(ForwardBench.Settings s) {
        JsonObject text = new JsonObject();
        text.addProperty("model_type", "qwen2");
        text.addProperty("hidden_size", s.hidden());
        text.addProperty("num_attention_heads", s.heads());
        text.addProperty("num_key_value_heads", s.kvHeads());
        text.addProperty("num_hidden_layers", s.layers());
        text.addProperty("intermediate_size", s.intermediate());
        text.addProperty("vocab_size", s.vocab());
        text.addProperty("max_position_embeddings", Math.max(32768, s.seqLen() + s.decodeSteps() + 8));
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
        return InternVlConfig.parse(Path.of("<bench-forward>"), root);
    }

    /** The benchmark's model: LLaVA-1.5's, Qwen2-VL's, Qwen3-VL's or InternVL's decoder (random weights). */
    static Lmm model(ForwardBench.Settings s, Device device, DataType dtype) {
        return switch (s.family()) {
            case "llava" -> Llava.create(config(s), new RandomWeights(42, 0.02), device, dtype);
            case "qwen2_vl" -> Qwen2Vl.create(qwen2VlConfig(s), new RandomWeights(42, 0.02), device, dtype);
            case "qwen3_vl" -> Qwen3Vl.create(qwen3VlConfig(s), new RandomWeights(42, 0.02), device, dtype);
            case "internvl" -> InternVl.create(internVlConfig(s), new RandomWeights(42, 0.02), device, dtype);
            default -> throw new IllegalArgumentException("--family expects llava, qwen2_vl, qwen3_vl or internvl, got '" + s.family() + "'");
        };
    }
}
