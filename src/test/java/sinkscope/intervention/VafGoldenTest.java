package sinkscope.intervention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.Lmm;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;

/**
 * VAF through the registry ({@code vaf} with enh 1.15 and sup 0.95 from conf/interventions/vaf.json, layers [1, 3) of
 * llava-tiny-a as the golden's) against ClearSight's {@code AttnAdapter} run by refs28's reference
 * ({@code golden/interventions/vaf/SPEC.md}): per sample the prefill's rows from the last image row on and the first
 * decode step's row, scores before and after the edit and attention after softmax, in an edited layer (1) and an
 * untouched one (3), within the manifest's tolerances (masked keys -inf in the golden), and the 8 greedy tokens exactly
 * with their top-16 logits.
 */
class VafGoldenTest {

    @Test
    void matchesTheOfficialCode() throws Exception {
        Torch.configure(1);
        JsonObject manifest = Golden.manifest(GoldenRun.dir("vaf"));
        try (Lmm model = Families.load(Golden.llava(), Golden.device(), DataType.FLOAT32); NDManager m = model.newSampleManager()) {
            int checked = 0;
            for (JsonElement e : manifest.getAsJsonArray("samples")) {
                JsonObject sample = e.getAsJsonObject();
                String id = sample.get("id").getAsString();
                int imageEnd = sample.get("image_end").getAsInt();
                try (SafeTensors golden = SafeTensors.open(GoldenRun.dir("vaf").resolve(sample.get("tensors_file").getAsString()))) {
                    GoldenRun run = new GoldenRun(model, m, sample, golden, "vaf_start1_end3", 8);
                    assertArrayEquals(golden.longs("generate.tokens"), run.generation.tokens(), id + " tokens");
                    JsonObject tol = GoldenRun.tolerance(sample, "generate.step_top16_values");
                    Allclose.assertClose(id + " top-16 logits", PaiAttentionGoldenTest.flat(run.generation.topValues()),
                            golden.floats("generate.step_top16_values"), tol.get("atol").getAsDouble(), tol.get("rtol").getAsDouble());
                    Allclose.assertTopIds(id + " top-16 ids", PaiAttentionGoldenTest.flat(run.generation.topIds()), golden.longs("generate.step_top16_ids"),
                            golden.floats("generate.step_top16_values"));
                    for (int step = 0; step < 2; step++) {
                        for (int layer : new int[] {1, 3}) {
                            String key = "step" + step + ".layer" + layer;
                            int q = run.queryRows(key);
                            int from = step == 0 ? imageEnd - 1 : 0;
                            for (String kind : new String[] {"scores_before", "scores_after", "probs"}) {
                                String name = key + "." + kind;
                                var which = kind.equals("scores_before") ? run.before : kind.equals("scores_after") ? run.after : run.probs;
                                GoldenRun.assertClose(id + " " + name, run.rows(which, key, from, q), golden.floats(name), GoldenRun.tolerance(sample, name));
                                checked++;
                            }
                        }
                    }
                }
            }
            assertEquals(2 * 12, checked, "tensors compared");
        }
    }
}
