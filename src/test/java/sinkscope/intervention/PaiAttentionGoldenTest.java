package sinkscope.intervention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.Lmm;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;

/**
 * PAI's attention part through the registry ({@code pai}, layers [1, 4) of llava-tiny-a as the golden's) against the
 * official {@code llama_modify} run by refs28's reference ({@code golden/interventions/pai/SPEC.md}): for each sample,
 * variant {@code attn_only} ({@code first} 1: the code with {@code --use-attn} alone) the last query row's scores before
 * and after the edit and its attention after softmax at prefill and at the first decode step, in an edited layer (1)
 * and an untouched one (0), within the manifest's tolerances, and the 8 greedy tokens exactly with their top-16 logits.
 * The prefill of the guidance variants (their decode steps follow the guidance's tokens, a logits-level part this
 * intervention does not have): {@code attn_cfg} is {@code first} 0 (the prefill not amplified), and
 * {@code attn_cfg_amplify_first} is {@code first} 1.
 */
class PaiAttentionGoldenTest {

    @Test
    void matchesTheOfficialCode() throws Exception {
        Torch.configure(1);
        JsonObject manifest = Golden.manifest(GoldenRun.dir("pai"));
        try (Lmm model = Families.load(Golden.llava(), Golden.device(), DataType.FLOAT32); NDManager m = model.newSampleManager()) {
            int checked = 0;
            for (JsonElement e : manifest.getAsJsonArray("samples")) {
                JsonObject sample = e.getAsJsonObject();
                String id = sample.get("id").getAsString();
                try (SafeTensors golden = SafeTensors.open(GoldenRun.dir("pai").resolve(sample.get("tensors_file").getAsString()))) {
                    GoldenRun only = new GoldenRun(model, m, sample, golden, "pai_start1_end4_first1", 8);
                    long[] tokens = golden.longs("attn_only.generate.tokens");
                    assertArrayEquals(tokens, only.generation.tokens(), id + " attn_only tokens");
                    float[] top = flat(only.generation.topValues());
                    Allclose.assertClose(id + " attn_only top-16 logits", top, golden.floats("attn_only.generate.step_top16_values"),
                            GoldenRun.tolerance(sample, "attn_only.generate.step_top16_values").get("atol").getAsDouble(),
                            GoldenRun.tolerance(sample, "attn_only.generate.step_top16_values").get("rtol").getAsDouble());
                    Allclose.assertTopIds(id + " attn_only top-16 ids", flat(only.generation.topIds()), golden.longs("attn_only.generate.step_top16_ids"),
                            golden.floats("attn_only.generate.step_top16_values"));
                    checked += rows(id, "attn_only", only, sample, golden, 2);
                    checked += rows(id, "attn_cfg_amplify_first", only, sample, golden, 1);

                    GoldenRun noFirst = new GoldenRun(model, m, sample, golden, "pai_start1_end4_first0", 1);
                    checked += rows(id, "attn_cfg", noFirst, sample, golden, 1);
                    assertArrayEquals(golden.floats("attn_cfg.step0.layer1.scores_before"), golden.floats("attn_cfg.step0.layer1.scores_after"),
                            "the golden itself: with guidance on the prefill is not amplified");
                }
            }
            assertEquals(2 * (12 + 6 + 6), checked, "tensors compared");
        }
    }

    /** The last query row's tensors of {@code variant} at steps [0, steps), layers 0 and 1; returns how many were compared. */
    private static int rows(String id, String variant, GoldenRun run, JsonObject sample, SafeTensors golden, int steps) {
        int n = 0;
        for (int step = 0; step < steps; step++) {
            for (int layer : new int[] {0, 1}) {
                String key = "step" + step + ".layer" + layer;
                int q = run.queryRows(key);
                for (String kind : new String[] {"scores_before", "scores_after", "probs"}) {
                    String name = variant + "." + key + "." + kind;
                    var which = kind.equals("scores_before") ? run.before : kind.equals("scores_after") ? run.after : run.probs;
                    GoldenRun.assertClose(id + " " + name, run.rows(which, key, q - 1, q), golden.floats(name), GoldenRun.tolerance(sample, name));
                    n++;
                }
            }
        }
        return n;
    }

    static float[] flat(float[][] a) {
        int n = 0;
        for (float[] r : a) {
            n += r.length;
        }
        float[] out = new float[n];
        int o = 0;
        for (float[] r : a) {
            System.arraycopy(r, 0, out, o, r.length);
            o += r.length;
        }
        return out;
    }

    static long[] flat(long[][] a) {
        return Arrays.stream(a).flatMapToLong(Arrays::stream).toArray();
    }
}
