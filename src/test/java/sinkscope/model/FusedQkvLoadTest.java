package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decoder's weight names come from the family ({@link DecoderNames}): a tiny random GQA decoder in Hugging Face's
 * names, converted to InternLM2's layout (fused grouped {@code attention.wqkv}, {@code attention.wo},
 * {@code feed_forward.w1/w3/w2}, {@code attention_norm}, {@code ffn_norm}, {@code tok_embeddings}, {@code output}) and
 * written as safetensors, loads into the same decoder: the prefill's logits are the HF-named model's.
 */
class FusedQkvLoadTest {
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = 4;
    private static final int HIDDEN = HEADS * HEAD_DIM;
    private static final TextConfig CONFIG = new TextConfig(40, HIDDEN, 24, 2, HEADS, KV_HEADS, "silu", 64, 1e-6, 10000, false, false, false, 1,
            new int[] {2}, "tiny", null, 0);
    /** InternLM2's names ({@code modeling_internlm2.py}) as a family would give them. */
    private static final DecoderNames INTERNLM2 = new DecoderNames("model.", "output", "tok_embeddings", "norm", null, null, null, "attention.wqkv",
            "attention.wo", null, null, "feed_forward.w1", "feed_forward.w3", "feed_forward.w2", "attention_norm", "ffn_norm");

    @TempDir
    Path tmp;

    @Test
    void fusedGroupedQkvCheckpointLoadsAsTheSeparateOne() throws Exception {
        DecoderNames hf = DecoderNames.hf("model.", "lm_head");
        Map<String, float[]> values = new HashMap<>();
        Map<String, long[]> shapes = new HashMap<>();
        RandomWeights random = new RandomWeights(11, 0.3);
        Weights recording = new Weights() {
            @Override
            public NDArray load(NDManager m, String name, DataType dtype, Device device, long... shape) {
                NDArray a = random.load(m, name, dtype, device, shape);
                values.put(name, a.toFloatArray());
                shapes.put(name, shape.clone());
                return a;
            }

            @Override
            public boolean has(String name) {
                return random.has(name);
            }
        };
        SafeTensorsWriter fused = new SafeTensorsWriter();
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            LlamaModel separate = LlamaModel.load(recording, m, CONFIG, DataType.FLOAT32, Device.cpu(), hf);
            for (int i = 0; i < CONFIG.numHiddenLayers(); i++) {
                String l = hf.layer(i);
                String f = INTERNLM2.layer(i);
                fused.add(f + "attention.wqkv.weight", wqkv(values.get(l + "self_attn.q_proj.weight"), values.get(l + "self_attn.k_proj.weight"),
                        values.get(l + "self_attn.v_proj.weight")), (HEADS + 2 * KV_HEADS) * HEAD_DIM, HIDDEN);
                copy(fused, values, shapes, l + "self_attn.o_proj.weight", f + "attention.wo.weight");
                copy(fused, values, shapes, l + "mlp.gate_proj.weight", f + "feed_forward.w1.weight");
                copy(fused, values, shapes, l + "mlp.up_proj.weight", f + "feed_forward.w3.weight");
                copy(fused, values, shapes, l + "mlp.down_proj.weight", f + "feed_forward.w2.weight");
                copy(fused, values, shapes, l + "input_layernorm.weight", f + "attention_norm.weight");
                copy(fused, values, shapes, l + "post_attention_layernorm.weight", f + "ffn_norm.weight");
            }
            copy(fused, values, shapes, "model.embed_tokens.weight", "model.tok_embeddings.weight");
            copy(fused, values, shapes, "model.norm.weight", "model.norm.weight");
            copy(fused, values, shapes, "lm_head.weight", "output.weight");
            fused.write(tmp.resolve("model.safetensors"));
            try (Checkpoint ck = Checkpoint.open(tmp, n -> new String[0])) {
                LlamaModel converted = LlamaModel.load(ck, m, CONFIG, DataType.FLOAT32, Device.cpu(), INTERNLM2);
                long[] ids = {1, 5, 9, 33, 2, 17, 4};
                float[] a = logits(separate, m, ids);
                float[] b = logits(converted, m, ids);
                assertEquals(a.length, b.length);
                double diff = 0;
                double scale = 0;
                for (int i = 0; i < a.length; i++) {
                    diff = Math.max(diff, Math.abs(a[i] - b[i]));
                    scale = Math.max(scale, Math.abs(a[i]));
                }
                assertTrue(scale > 0.1 && diff < 1e-5, "logits differ by " + diff + " (scale " + scale + ")");
                assertTrue(converted.stackedParts(INTERNLM2).keySet().stream().noneMatch(k -> k.contains("wqkv")), "a fused projection has no parts");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new DecoderNames("model.", "output", "e", "n", "q", null, null, "qkv", "o", null, null,
                "g", "u", "d", "i", "p"), "q with a fused qkv is refused");
    }

    private static float[] logits(LlamaModel model, NDManager m, long[] ids) {
        try (NDManager s = m.newSubManager(); KvCache cache = new KvCache(model.numLayers())) {
            NDArray embeds = model.embed(s.create(ids)).expandDims(0);
            Prefill p = model.prefill(s, new Merged(embeds, 0, 0), cache, null);
            return p.lastLogits().toFloatArray();
        }
    }

    /** InternLM2's {@code wqkv}: per key/value head, its {@code HEADS / KV_HEADS} query heads, its key head, its value head. */
    private static float[] wqkv(float[] q, float[] k, float[] v) {
        int group = HEADS / KV_HEADS;
        int rowLen = HIDDEN;
        int block = HEAD_DIM * rowLen;
        float[] out = new float[(HEADS + 2 * KV_HEADS) * block];
        int o = 0;
        for (int h = 0; h < KV_HEADS; h++) {
            for (int g = 0; g < group; g++) {
                System.arraycopy(q, (h * group + g) * block, out, o, block);
                o += block;
            }
            System.arraycopy(k, h * block, out, o, block);
            o += block;
            System.arraycopy(v, h * block, out, o, block);
            o += block;
        }
        return out;
    }

    private static void copy(SafeTensorsWriter w, Map<String, float[]> values, Map<String, long[]> shapes, String from, String to) {
        w.add(to, values.get(from), shapes.get(from));
    }
}
