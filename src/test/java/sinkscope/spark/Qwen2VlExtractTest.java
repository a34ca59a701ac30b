package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;

/**
 * The extract runner on Qwen2-VL: the tokens table covers the golden sample's sequence with the image span where HF
 * puts it, the planted sinks at HF's positions, and the attention rows on the (non-square) merged grid.
 */
class Qwen2VlExtractTest {
    @Test
    void tokensAndAttentionOnTheMergedGrid() throws Exception {
        Path dir = Golden.qwen2Vl();
        JsonObject sample = Golden.manifest(dir).getAsJsonArray("samples").get(1).getAsJsonObject(); // 84x196: a 7 x 3 grid
        try (ModelSampleRunner runner = new ModelSampleRunner(new RunnerSpec(RunnerSpec.DEFAULT_FACTORY, dir.toString(), "auto", 1, List.of(11, 6), 3.0,
                "model", 4), DeviceAssignment.cpu(1))) {
            SampleInput in = new SampleInput("s1", null, dir.resolve(sample.get("image_file").getAsString()).toString(), null,
                    sample.get("question").getAsString(), null, null, null, null);
            ExtractResult r = runner.extract(in, new ExtractOptions(List.of(2), 3.0, 0.2, 0.5));
            int start = sample.get("image_start").getAsInt();
            int end = sample.get("image_end").getAsInt();
            assertEquals(sample.get("seq_len").getAsInt(), r.seqLen());
            assertEquals(end - start, r.numImageTokens());
            List<Integer> sinksAt2 = r.tokens().stream().filter(t -> t.layer() == 2 && t.isSink()).map(ExtractResult.TokenRow::position).toList();
            assertEquals(sample.getAsJsonArray("planted_sink_positions").asList().stream().map(e -> e.getAsInt()).toList(), sinksAt2);
            assertTrue(r.tokens().stream().allMatch(t -> t.modality().equals(t.position() == 0 ? "bos"
                    : t.position() >= start && t.position() < end ? "image" : "text")), "modality by position");
            ExtractResult.AttentionRow a = r.attention().get(0);
            assertEquals(7, a.gridRows());
            assertEquals(3, a.gridCols());
            assertEquals(21, a.weights().length);
            assertEquals(sample.getAsJsonArray("planted_sink_image_token_indices").asList().stream().map(e -> e.getAsInt()).toList(),
                    java.util.Arrays.stream(a.sinkPatches()).boxed().toList());
        }
    }
}
