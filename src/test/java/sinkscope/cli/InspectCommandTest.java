package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;
import sinkscope.model.llava.Llava;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/** {@code inspect} from the image file and prompt text, end to end, against the golden tensors of each sample. */
class InspectCommandTest {
    /** Golden tensor name to inspect's name. */
    private static final Map<String, String> NAMES = Map.of(
            "pixel_values", "pixel_values",
            "input_ids", "input_ids",
            "projector.output", "image_features",
            "decoder.hidden_states", "hidden_states",
            "decoder.attentions", "attentions",
            "logits.last", "logits_last",
            "generate.tokens", "generated_ids");

    @TempDir
    Path tmp;

    static Stream<JsonObject> samples() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : Golden.manifest(Golden.llava()).getAsJsonArray("samples")) {
            out.add(e.getAsJsonObject());
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void inspectFromTheImageFileMatchesTransformers(JsonObject sample) {
        Path dir = Golden.llava();
        Path out = tmp.resolve("s.safetensors");
        int steps = sample.getAsJsonArray("generated_token_ids").size();
        assertEquals(0, Main.run("inspect", "--model", dir.toString(), "--image", dir.resolve(sample.get("image_file").getAsString()).toString(),
                "--prompt", sample.get("prompt").getAsString(), "--image-mode", sample.get("preprocessing_mode").getAsString(),
                "--max-new-tokens", Integer.toString(steps), "--out", out.toString()));
        try (SafeTensors got = SafeTensors.open(out); SafeTensors golden = SafeTensors.open(dir.resolve(sample.get("tensors_file").getAsString()))) {
            assertArrayEquals(new long[] {sample.get("image_start").getAsLong(), sample.get("image_end").getAsLong()}, got.longs("image_span"));
            for (JsonElement te : sample.getAsJsonArray("tensors")) {
                JsonObject t = te.getAsJsonObject();
                String mine = NAMES.get(t.get("name").getAsString());
                if (mine == null) {
                    continue; // the other tensors are checked through the API by LlavaGoldenTest
                }
                String name = t.get("name").getAsString();
                JsonObject tol = t.getAsJsonObject("tolerance");
                if (golden.entry(name).dtype() == sinkscope.model.DType.F32) {
                    Allclose.assertClose(sample.get("id").getAsString() + " " + name, got.floats(mine), golden.floats(name),
                            tol.get("atol").getAsDouble(), tol.get("rtol").getAsDouble());
                } else {
                    assertArrayEquals(golden.longs(name), got.longs(mine), name);
                }
            }
        }
    }

    @Test
    void varThatSelectsNothingLeavesTheRunBitIdentical() {
        Torch.configure(2);
        Path dir = Golden.llava();
        try (Llava model = Llava.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = NDManager.newBaseManager();
                SafeTensors s1 = SafeTensors.open(dir.resolve("tensors/s1.safetensors"))) {
            long[] ids = s1.longs("input_ids");
            NDArray pixels = s1.load(m, "pixel_values");
            GenerateOptions opts = new GenerateOptions(8, false, 16, true);
            Generation plain = model.generate(m, ids, pixels, opts, null);
            // tau above sqrt(D): no sink can exist, so HeadFork selects nothing and VAR must not touch a bit
            try (VarHook off = new VarHook(m, VarParams.official(new int[] {7, 41}).withTau(100))) {
                Generation hooked = model.generate(m, ids, pixels, opts, off);
                assertArrayEquals(plain.tokens(), hooked.tokens());
                for (int s = 0; s < plain.tokens().length; s++) {
                    assertArrayEquals(plain.topValues()[s], hooked.topValues()[s], "step " + s + " top-16 logits, bit for bit");
                }
                assertEquals(0, java.util.Arrays.stream(off.summary().varRows()).sum());
            }
        }
    }
}
