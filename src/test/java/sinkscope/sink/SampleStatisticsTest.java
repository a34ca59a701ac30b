package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.KvCache;
import sinkscope.model.Merged;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.model.llava.Llava;

/** The on-device per-sample reductions against the golden phi, sink counts and attention maps. */
class SampleStatisticsTest {

    @Test
    void matchesGoldenPhiSinksAndAttention() {
        Torch.configure(2);
        Path dir = Golden.llava();
        JsonObject manifest = Golden.manifest(dir);
        JsonObject sample = manifest.getAsJsonArray("samples").get(0).getAsJsonObject();
        int[] dims = manifest.getAsJsonObject("sink").getAsJsonArray("dims").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
        double tau = manifest.getAsJsonObject("sink").get("tau_practical_for_this_model").getAsDouble();
        int start = sample.get("image_start").getAsInt();
        int end = sample.get("image_end").getAsInt();
        try (Llava model = Llava.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = NDManager.newBaseManager();
                SafeTensors golden = SafeTensors.open(dir.resolve(sample.get("tensors_file").getAsString()));
                KvCache cache = new KvCache(model.numLayers())) {
            NDArray pixels = golden.load(m, "pixel_values");
            SampleStatistics stats = new SampleStatistics(dims, tau, 2.0, 0.2, 0.5, Set.of(1));
            Merged merged = model.merge(m, golden.longs("input_ids"), model.imageFeatures(m, pixels));
            model.prefill(m, merged, cache, stats);
            int layers = model.numLayers();
            int s = merged.length();
            assertEquals(layers, stats.layers().size());
            float[] goldenPhi = golden.floats("sink.phi");
            float[] attn = golden.floats("decoder.attentions"); // [L, H, S, S]
            int heads = (int) golden.entry("decoder.attentions").shape()[1];
            for (int l = 0; l < layers; l++) {
                SampleStatistics.Layer layer = stats.layers().get(l);
                Allclose.assertClose("phi of layer " + l, layer.phi(), Arrays.copyOfRange(goldenPhi, l * s, (l + 1) * s), 1e-3, 1e-4);
                int imageSinks = 0;
                for (int t = start; t < end; t++) {
                    imageSinks += layer.sink()[t] ? 1 : 0;
                }
                JsonObject report = sample.getAsJsonArray("sink_report").get(l).getAsJsonObject();
                assertEquals(report.get("n_image_sinks_tau4").getAsInt(), imageSinks, "visual sinks of layer " + l);
                for (int h = 0; h < heads; h++) {
                    int row = ((l * heads + h) * s + (s - 1)) * s;
                    double image = 0;
                    double visual = 0;
                    double text = 0;
                    for (int k = 0; k < s; k++) {
                        float a = attn[row + k];
                        boolean inImage = k >= start && k < end;
                        image += inImage ? a : 0;
                        visual += inImage && layer.sink()[k] ? a : 0;
                        text += !inImage && layer.sink()[k] ? a : 0;
                    }
                    assertEquals(image, layer.last().imageAttention()[h], 1e-4, "image attention, layer " + l + " head " + h);
                    assertEquals(visual / image, layer.last().visualSinkShare()[h], 1e-4, "visual-sink share, layer " + l + " head " + h);
                    assertEquals(text, layer.last().textSinkAttention()[h], 1e-4, "text-sink attention, layer " + l + " head " + h);
                    assertEquals(image >= 0.2 && visual / image <= 0.5, layer.last().imageCentric()[h]);
                }
                assertEquals(l == 1, layer.lastAttention() != null, "attention row only for the chosen layer");
            }
            assertEquals(end - start, stats.layers().get(1).lastAttention().length);
            // the planted sink dims are above the floor on the sink patches
            SampleStatistics.Dims d = stats.layers().get(2).dims();
            for (int dim : dims) {
                assertEquals(true, d.countAboveFloor()[dim] >= 2, "dim " + dim + " massive on the visual sinks");
            }
        }
    }
}
