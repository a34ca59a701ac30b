package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sinkscope.Allclose;
import sinkscope.model.llava.Llava;
import sinkscope.model.llava.LlavaConfig;

/**
 * Grouped-query attention equals multi-head attention whose k/v projections repeat each kv head for its
 * {@code heads/kvHeads} consecutive query heads (HF's repeat_kv): same attention maps, same logits, same tokens.
 */
class GroupedQueryAttentionTest {

    @BeforeAll
    static void engine() {
        Torch.configure(2);
    }

    static LlavaConfig config(int kvHeads) {
        JsonObject text = new JsonObject();
        text.addProperty("hidden_size", 48);
        text.addProperty("num_attention_heads", 6);
        text.addProperty("num_key_value_heads", kvHeads);
        text.addProperty("num_hidden_layers", 2);
        text.addProperty("intermediate_size", 96);
        text.addProperty("vocab_size", 100);
        text.addProperty("max_position_embeddings", 128);
        JsonObject vision = new JsonObject();
        vision.addProperty("hidden_size", 16);
        vision.addProperty("intermediate_size", 32);
        vision.addProperty("num_hidden_layers", 2);
        vision.addProperty("num_attention_heads", 2);
        vision.addProperty("image_size", 28);
        vision.addProperty("patch_size", 14);
        JsonObject root = new JsonObject();
        root.addProperty("model_type", "llava");
        root.addProperty("image_token_index", 99);
        root.add("text_config", text);
        root.add("vision_config", vision);
        return LlavaConfig.parse(Path.of("<gqa-test>"), root);
    }

    @Test
    void groupedQueryAttentionEqualsRepeatedKvHeads() {
        int heads = 6;
        int kvHeads = 2;
        int hd = 8;
        try (Llava gqa = Llava.create(config(kvHeads), new RandomWeights(7, 0.2), Device.cpu(), DataType.FLOAT32)) {
            Map<String, NDArray> p = gqa.parameters();
            Weights repeated = new Weights() {
                @Override
                public NDArray load(NDManager m, String name, DataType dtype, Device device, long... shape) {
                    NDArray w = p.get(name);
                    if (name.endsWith("k_proj.weight") || name.endsWith("v_proj.weight")) {
                        if (name.startsWith("language_model.")) {
                            // query head h reads kv head h / (heads / kvHeads)
                            NDArray kv = w.reshape(kvHeads, hd, -1);
                            w = kv.repeat(0, heads / kvHeads).reshape(heads * hd, -1);
                        }
                    }
                    assertArrayEquals(shape, w.getShape().getShape(), name);
                    return w.duplicate();
                }

                @Override
                public boolean has(String name) {
                    return p.containsKey(name);
                }
            };
            try (Llava mha = Llava.create(config(heads), repeated, Device.cpu(), DataType.FLOAT32); NDManager m = NDManager.newBaseManager()) {
                long[] ids = {1, 5, 6, 99, 7, 8, 9, 10};
                NDArray pixels = m.randomNormal(new ai.djl.ndarray.types.Shape(1, 3, 28, 28));
                float[][] logits = new float[2][];
                float[][] attn = new float[2][];
                Llava[] models = {gqa, mha};
                for (int i = 0; i < 2; i++) {
                    try (Capture cap = new Capture(m, false, true); KvCache cache = new KvCache(2)) {
                        Merged merged = models[i].merge(m, ids, models[i].imageFeatures(m, pixels));
                        Prefill pre = models[i].prefill(m, merged, cache, cap);
                        logits[i] = pre.lastLogits().toFloatArray();
                        attn[i] = cap.attentions().get(1).get(new NDIndex("0")).toFloatArray();
                    }
                }
                Allclose.assertClose("attention of layer 1", attn[0], attn[1], 1e-6, 1e-5);
                Allclose.assertClose("last logits", logits[0], logits[1], 1e-5, 1e-5);
                long[] a = gqa.generate(m, ids, pixels, new GenerateOptions(5, false, 0), null).tokens();
                long[] b = mha.generate(m, ids, pixels, new GenerateOptions(5, false, 0), null).tokens();
                assertEquals(5, a.length);
                assertArrayEquals(a, b, "greedy tokens");
            }
        }
    }
}
