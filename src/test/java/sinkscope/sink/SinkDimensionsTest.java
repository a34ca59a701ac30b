package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;

/** Discovery on llava-tiny-a's hidden states recovers the planted sink dimensions of sink_dims.json. */
class SinkDimensionsTest {

    @Test
    void recoversThePlantedDimsFromTheTinyModel() throws Exception {
        Torch.configure(1);
        Path dir = Golden.llava();
        JsonObject manifest = Golden.manifest(dir);
        JsonObject sinkDims = JsonParser.parseString(Files.readString(dir.resolve("sink_dims.json"))).getAsJsonObject();
        int[] planted = VarGoldenTest.ints(sinkDims.getAsJsonArray("sink_dims"));
        double tau = manifest.getAsJsonObject("sink").get("tau_practical_for_this_model").getAsDouble();
        int layers = manifest.getAsJsonObject("shapes").get("text_layers").getAsInt();
        int hidden = manifest.getAsJsonObject("shapes").get("text_hidden").getAsInt();
        SinkDimensions total = new SinkDimensions(layers, hidden, tau);
        try (NDManager m = NDManager.newBaseManager()) {
            for (JsonElement e : manifest.getAsJsonArray("samples")) {
                JsonObject s = e.getAsJsonObject();
                SinkDimensions one = new SinkDimensions(layers, hidden, tau);
                try (SafeTensors t = SafeTensors.open(dir.resolve(s.get("tensors_file").getAsString()))) {
                    NDArray hs = t.load(m, "decoder.hidden_states");
                    NDArray attn = t.load(m, "decoder.attentions");
                    for (int l = 0; l < layers; l++) {
                        one.addImageTokens(l, hs.get(l), s.get("image_start").getAsInt(), s.get("image_end").getAsInt());
                        one.addMostAttendedTokens(l, hs.get(l), attn.get(l).expandDims(0), 4);
                    }
                }
                total.merge(one);
            }
        }
        int[] rec = total.recommended(2);
        assertTrue(rec.length >= 2, "recommended " + Arrays.toString(rec));
        int[] top2 = Arrays.copyOf(rec, 2);
        Arrays.sort(top2);
        int[] expected = planted.clone();
        Arrays.sort(expected);
        assertArrayEquals(expected, top2, "top two recommended dims " + Arrays.toString(rec));
        for (int l = 2; l < layers; l++) {
            int[] r = Arrays.copyOf(total.ranking(l), 2);
            Arrays.sort(r);
            assertArrayEquals(expected, r, "layer " + l + " ranking");
            assertTrue(total.imageStats(l).above()[rec[0]] > 0, "layer " + l + ": dim " + rec[0] + " exceeds tau on a visual sink");
            assertTrue(total.attendedStats(l).tokens() > 0);
        }
    }
}
