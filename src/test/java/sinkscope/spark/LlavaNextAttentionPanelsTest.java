package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.SafeTensors;

/**
 * The attention tables on LLaVA-NeXT against transformers on llava-next-tiny-a: per requested layer, panel 0 is the
 * base image ({@code G x G}) and panel 1 the unpadded tile mosaic ({@code unpadded_grid_hw}), each holding the last
 * prompt token's attention (mean over HF's eager {@code decoder.attentions} heads) at exactly the positions HF's
 * {@code pack_image_features} put those patches ({@code image_features.kind} / {@code mosaic_rc}), newlines left
 * out; the sink patches are the manifest's planted base and tile sinks. Extract and the baseline prediction both.
 */
class LlavaNextAttentionPanelsTest {
    private static final List<Integer> LAYERS = List.of(0, 3);

    static Stream<String> samples() {
        return Stream.of("s0", "s2", "m0"); // 6x8 mosaic (rows unpadded), 10x4, and the Mistral decoder on 8x6
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void panelsAreHfsBaseAndMosaicPositions(String id) throws Exception {
        Path dir = Golden.llavaNext();
        JsonObject manifest = Golden.manifest(dir);
        JsonObject sample = manifest.getAsJsonArray("samples").asList().stream().map(e -> e.getAsJsonObject())
                .filter(s -> s.get("id").getAsString().equals(id)).findFirst().orElseThrow();
        Path model = Golden.llavaNextCheckpoint(sample.get("decoder").getAsString());
        String question = manifest.getAsJsonArray("questions").get(sample.get("question_index").getAsInt()).getAsString();
        SampleInput in = new SampleInput(id, null, dir.resolve(sample.get("image_file").getAsString()).toString(), null, question,
                null, null, null, null, null, null, 0);
        int start = sample.get("image_start").getAsInt();
        int seq = sample.get("merged_sequence_length").getAsInt();
        int[] unpadded = sample.getAsJsonArray("unpadded_grid_hw").asList().stream().mapToInt(e -> e.getAsInt()).toArray();
        int g = (int) Math.round(Math.sqrt(sample.get("num_base_tokens").getAsInt()));
        try (SafeTensors golden = SafeTensors.open(dir.resolve(sample.get("tensors_file").getAsString()));
                ModelSampleRunner runner = new ModelSampleRunner(new RunnerSpec(RunnerSpec.DEFAULT_FACTORY, model.toString(), "auto", 1,
                        List.of(7, 21), 3.0, "model", 4), DeviceAssignment.cpu(1))) {
            long[] kind = golden.longs("image_features.kind");
            long[] rc = golden.longs("image_features.mosaic_rc");
            // span position of every base patch (row-major) and of every mosaic patch (r, c), from HF's packing
            int[] basePos = new int[g * g];
            int[] mosaicPos = new int[unpadded[0] * unpadded[1]];
            java.util.Arrays.fill(mosaicPos, -1);
            int b = 0;
            for (int i = 0; i < kind.length; i++) {
                if (kind[i] == 0) {
                    basePos[b++] = i;
                } else if (kind[i] == 1) {
                    mosaicPos[(int) rc[2 * i] * unpadded[1] + (int) rc[2 * i + 1]] = i;
                }
            }
            assertEquals(g * g, b);
            assertTrue(java.util.Arrays.stream(mosaicPos).allMatch(i -> i >= 0), "every mosaic patch placed once");
            float[] att = golden.floats("decoder.attentions"); // [L, H, S, S]
            int heads = (int) golden.entry("decoder.attentions").shape()[1];
            double atol = 2e-5;
            double rtol = 1e-3;

            ExtractResult r = runner.extract(in, new ExtractOptions(LAYERS, 3.0, 0.2, 0.5));
            assertEquals(seq, r.seqLen(), "merged sequence as HF's");
            assertEquals(2 * LAYERS.size(), r.attention().size(), "two panels per layer");
            Prediction p = runner.predict(in, EvalConfig.parse("baseline"), LAYERS);
            assertEquals(2 * LAYERS.size(), p.attention().size(), "two panels per layer in the prediction");
            List<Integer> tileSinks = new ArrayList<>();
            for (int k = 0; k < LAYERS.size(); k++) {
                int layer = LAYERS.get(k);
                float[] expBase = lastRow(att, layer, heads, seq, start, basePos);
                float[] expMosaic = lastRow(att, layer, heads, seq, start, mosaicPos);
                for (List<ExtractResult.AttentionRow> rows : List.of(r.attention(), p.attention())) {
                    ExtractResult.AttentionRow base = rows.get(2 * k);
                    ExtractResult.AttentionRow mosaic = rows.get(2 * k + 1);
                    assertEquals(List.of(layer, 0, g, g), List.of(base.layer(), base.panel(), base.gridRows(), base.gridCols()));
                    assertEquals(List.of(layer, 1, unpadded[0], unpadded[1]), List.of(mosaic.layer(), mosaic.panel(), mosaic.gridRows(), mosaic.gridCols()));
                    Allclose.assertClose(id + " L" + layer + " base", base.weights(), expBase, atol, rtol);
                    Allclose.assertClose(id + " L" + layer + " mosaic", mosaic.weights(), expMosaic, atol, rtol);
                }
                JsonObject report = sample.getAsJsonArray("sink_report").get(layer).getAsJsonObject();
                assertEquals(layer, report.get("layer").getAsInt());
                assertArrayEquals(report.getAsJsonArray("base_sinks").asList().stream().mapToInt(e -> e.getAsInt()).toArray(),
                        r.attention().get(2 * k).sinkPatches(), id + " L" + layer + " base sinks");
                tileSinks.clear();
                for (var e : report.getAsJsonArray("tile_sinks")) {
                    int pos = e.getAsInt();
                    tileSinks.add((int) rc[2 * pos] * unpadded[1] + (int) rc[2 * pos + 1]);
                }
                assertEquals(tileSinks.stream().sorted().toList(), java.util.Arrays.stream(r.attention().get(2 * k + 1).sinkPatches()).boxed().toList(),
                        id + " L" + layer + " mosaic sinks");
            }
        }
    }

    /** Mean over heads of {@code attentions[layer, h, seq - 1, start + pos[i]]}. */
    private static float[] lastRow(float[] att, int layer, int heads, int seq, int start, int[] pos) {
        float[] out = new float[pos.length];
        for (int i = 0; i < pos.length; i++) {
            double s = 0;
            for (int h = 0; h < heads; h++) {
                s += att[(((layer * heads) + h) * seq + seq - 1) * seq + start + pos[i]];
            }
            out[i] = (float) (s / heads);
        }
        return out;
    }
}
