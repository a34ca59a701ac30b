package sinkscope.model.internvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.AttentionHook;
import sinkscope.model.Capture;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.Inputs;
import sinkscope.model.KvCache;
import sinkscope.model.Merged;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;
import sinkscope.sink.VarReplay;

/**
 * VAR inside InternVL's forward pass on internvl-tiny-a and internvl3_5-tiny-a (each on its sample with the most tiles,
 * e.g. internvl-tiny-a's 2x2 tiles with their thumbnail: five panels in one image span): the masks VAR takes inside the prefill equal those of {@code var-replay} on the hidden states and
 * pre-VAR attention captured in that pass, the rewritten attention equals the replay's, and VAR with nothing to do
 * leaves the generation bit-identical. The planted sinks make VAR act (tau of the manifest on the planted dims).
 */
class InternVlVarTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("sinkscope.model.internvl.InternVlGoldenTest#cases")
    void varInsideTheForwardEqualsReplayOnItsTensors(Path golden) {
        Torch.configure(2);
        JsonObject manifest = Golden.manifest(golden);
        int[] dims = manifest.getAsJsonObject("sink").getAsJsonArray("dims").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
        double tau = manifest.getAsJsonObject("sink").get("tau").getAsDouble();
        JsonObject sample = manifest.getAsJsonArray("samples").asList().stream().map(JsonElement::getAsJsonObject)
                .max(java.util.Comparator.comparingInt(s -> s.get("num_tiles").getAsInt())).orElseThrow();
        assertTrue(sample.get("num_tiles").getAsInt() >= 4, "a sample of several tiles and the thumbnail");
        VarParams params = VarParams.official(dims).withTau(tau);
        try (InternVl model = (InternVl) Families.load(Golden.internVlCheckpoint(golden), Device.cpu(), DataType.FLOAT32); NDManager m = model.newSampleManager();
                SafeTensors st = SafeTensors.open(golden.resolve(sample.get("tensors_file").getAsString()))) {
            var wh = sample.getAsJsonArray("image_size_wh");
            Inputs inputs = model.encode(m, sample.get("prompt_text").getAsString(), st.load(m, "pixel_values"),
                    new long[] {wh.get(1).getAsLong(), wh.get(0).getAsLong()});
            Merged merged = model.merge(m, inputs, model.imageFeatures(m, inputs));
            try (Capture before = Capture.copying(m, true, true); Capture after = new Capture(m, false, true); VarHook var = new VarHook(m, params);
                    KvCache cache = new KvCache(model.numLayers())) {
                model.prefill(m, merged, cache, AttentionHook.chain(AttentionHook.chain(before, var), after));
                NDArray hidden = NDArrays.stack(new NDList(before.layerInputs().toArray(new NDArray[0])));
                NDArray attn = NDArrays.stack(new NDList(before.attentions().toArray(new NDArray[0])));
                VarReplay.Result replay = VarReplay.run(m, hidden, attn, false, merged.imageStart(), merged.imageEnd() - merged.imageStart(), params);
                assertArrayEquals(replay.sinkMask().toUint8Array(), var.sinkMask().toUint8Array(), "sink_mask");
                assertArrayEquals(replay.headforkMask().toUint8Array(), var.headforkMask().toUint8Array(), "headfork_mask");
                assertArrayEquals(replay.varRowsMask().toUint8Array(), var.varRowsMask().toUint8Array(), "var_rows_mask");
                NDArray rewritten = NDArrays.stack(new NDList(after.attentions().toArray(new NDArray[0])));
                Allclose.assertClose("attn_out", rewritten.toFloatArray(), replay.attnOut().toFloatArray(), 1e-6, 0);
                long sinks = var.sinkMask().toType(DataType.INT64, false).sum().getLong();
                long rows = var.varRowsMask().toType(DataType.INT64, false).sum().getLong();
                assertTrue(sinks > 0 && rows > 0, "VAR must act on the planted sinks (sinks " + sinks + ", rewritten rows " + rows + ")");
            }
            Generation base = model.generate(m, inputs, new GenerateOptions(6, false, 16), null);
            try (VarHook idle = new VarHook(m, VarParams.official(dims).withTau(100))) {
                Generation off = model.generate(m, inputs, new GenerateOptions(6, false, 16), idle);
                assertArrayEquals(base.tokens(), off.tokens(), "tokens with VAR idle");
                for (int s = 0; s < base.tokens().length; s++) {
                    assertArrayEquals(base.topValues()[s], off.topValues()[s], "step " + s + " logits bit-identical with VAR idle");
                }
            }
        }
    }
}
