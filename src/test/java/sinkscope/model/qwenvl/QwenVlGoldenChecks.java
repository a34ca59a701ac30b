package sinkscope.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import com.google.gson.JsonObject;
import java.util.Map;
import sinkscope.model.Inputs;
import sinkscope.model.Merged;

/** What the Qwen-VL golden tests check alike on a merged prompt: its image span and grid, and its embeddings and M-RoPE ids for the manifest. */
public final class QwenVlGoldenChecks {
    private QwenVlGoldenChecks() {}

    /**
     * Asserts the image span and merged grid of {@code sample}; puts {@code decoder.inputs_embeds} into {@code got} and
     * {@code position_ids} ([3, S] flattened) and {@code rope_deltas} into {@code gotIds}.
     */
    public static void merged(String name, JsonObject sample, Inputs inputs, Merged merged, Map<String, float[]> got, Map<String, long[]> gotIds) {
        assertEquals(sample.get("image_start").getAsInt(), merged.imageStart(), name + " image_start");
        assertEquals(sample.get("image_end").getAsInt(), merged.imageEnd(), name + " image_end");
        assertEquals(sample.getAsJsonArray("merged_grid_hw").get(0).getAsInt(), inputs.gridRows(), name + " grid rows");
        assertEquals(sample.getAsJsonArray("merged_grid_hw").get(1).getAsInt(), inputs.gridCols(), name + " grid cols");
        got.put("decoder.inputs_embeds", merged.inputsEmbeds().toFloatArray());
        long[] flat = new long[3 * merged.length()];
        for (int a = 0; a < 3; a++) {
            System.arraycopy(merged.positionIds()[a], 0, flat, a * merged.length(), merged.length());
        }
        gotIds.put("position_ids", flat);
        gotIds.put("rope_deltas", new long[] {merged.ropeDelta()});
    }
}
