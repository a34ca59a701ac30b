package sinkscope.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.junit.jupiter.params.provider.ValueSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.AttentionHook;
import sinkscope.model.Capture;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.Inputs;
import sinkscope.model.KvCache;
import sinkscope.model.Lmm;
import sinkscope.model.Merged;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;
import sinkscope.sink.VarReplay;

/**
 * VAR inside the forward pass of Qwen2-VL, Qwen2.5-VL and Qwen3-VL (whose DeepStack additions the hooks see) on the
 * golden checkpoints: the masks VAR takes inside the prefill equal those of
 * {@code var-replay} on the hidden states and pre-VAR attention captured in that same pass, and the rewritten
 * attention equals the replay's; VAR with nothing to do (tau above every phi) leaves the generation bit-identical
 * to the baseline. The planted sinks make VAR act here (the manifest's tau on the planted dims).
 */
class QwenVlVarTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"qwen2-vl-tiny-a", "qwen2_5-vl-tiny-a", "qwen3-vl-tiny-a"})
    void varInsideTheForwardEqualsReplayOnItsTensors(String which) throws Exception {
        Torch.configure(2);
        Path golden = which.startsWith("qwen3") ? Golden.qwen3Vl() : which.startsWith("qwen2_5") ? Golden.qwen25Vl() : Golden.qwen2Vl();
        Path dir = which.startsWith("qwen3") ? Golden.qwen3VlCheckpoint() : which.startsWith("qwen2_5") ? Golden.qwen25VlCheckpoint() : golden;
        JsonObject manifest = Golden.manifest(golden);
        int[] dims = manifest.getAsJsonObject("sink").getAsJsonArray("dims").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
        double tau = manifest.getAsJsonObject("sink").get("tau").getAsDouble();
        JsonObject sample = manifest.getAsJsonArray("samples").get(manifest.getAsJsonArray("samples").size() - 1).getAsJsonObject();
        VarParams params = VarParams.official(dims).withTau(tau);
        try (Lmm model = Families.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = model.newSampleManager();
                SafeTensors st = SafeTensors.open(golden.resolve(sample.get("tensors_file").getAsString()))) {
            Inputs inputs = model.encode(m, sample.get("prompt_text").getAsString(), st.load(m, "pixel_values"), st.longs("image_grid_thw"));
            Merged merged = model.merge(m, inputs, model.imageFeatures(m, inputs));
            try (Capture before = Capture.copying(m, true, true); Capture after = new Capture(m, false, true); VarHook var = new VarHook(m, params);
                    KvCache cache = new KvCache(model.numLayers())) {
                // a capture that keeps the arrays themselves cannot sit before VAR, which rewrites them in place
                assertThrows(IllegalArgumentException.class, () -> AttentionHook.chain(after, var));
                assertThrows(IllegalArgumentException.class, () -> AttentionHook.chain(after, after));
                model.prefill(m, merged, cache, AttentionHook.chain(AttentionHook.chain(before, var), after));
                NDArray hidden = NDArrays.stack(new NDList(before.layerInputs().toArray(new NDArray[0])));
                NDArray attn = NDArrays.stack(new NDList(before.attentions().toArray(new NDArray[0])));
                VarReplay.Result replay = VarReplay.run(m, hidden, attn, false, merged.imageStart(), merged.imageEnd() - merged.imageStart(), params);
                assertArrayEquals(replay.sinkMask().toUint8Array(), var.sinkMask().toUint8Array(), which + " sink_mask");
                assertArrayEquals(replay.headforkMask().toUint8Array(), var.headforkMask().toUint8Array(), which + " headfork_mask");
                assertArrayEquals(replay.varRowsMask().toUint8Array(), var.varRowsMask().toUint8Array(), which + " var_rows_mask");
                NDArray rewritten = NDArrays.stack(new NDList(after.attentions().toArray(new NDArray[0])));
                Allclose.assertClose(which + " attn_out", rewritten.toFloatArray(), replay.attnOut().toFloatArray(), 1e-6, 0);
                long sinks = var.sinkMask().toType(DataType.INT64, false).sum().getLong();
                long rows = var.varRowsMask().toType(DataType.INT64, false).sum().getLong();
                assertTrue(sinks > 0 && rows > 0, which + ": VAR must act on the planted sinks (sinks " + sinks + ", rewritten rows " + rows + ")");
            }
            Generation base = model.generate(m, inputs, new GenerateOptions(6, false, 16), null);
            try (VarHook idle = new VarHook(m, VarParams.official(dims).withTau(100))) {
                Generation off = model.generate(m, inputs, new GenerateOptions(6, false, 16), idle);
                assertArrayEquals(base.tokens(), off.tokens(), which + " tokens with VAR idle");
                for (int s = 0; s < base.tokens().length; s++) {
                    assertArrayEquals(base.topValues()[s], off.topValues()[s], which + " step " + s + " logits bit-identical with VAR idle");
                }
            }
        }
    }
}
