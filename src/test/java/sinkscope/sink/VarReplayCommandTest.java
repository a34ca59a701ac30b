package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.Allclose;
import sinkscope.cli.Main;
import sinkscope.model.SafeTensors;

/** {@code var-replay} through {@link Main#run} on the golden cases: the written file equals the expected one. */
class VarReplayCommandTest {

    static String[] argv(JsonObject manifest, JsonObject c, Path inputs, Path out) {
        JsonObject p = c.getAsJsonObject("params");
        JsonObject common = manifest.getAsJsonObject("common");
        List<String> dims = new ArrayList<>();
        common.getAsJsonArray("dims").forEach(d -> dims.add(d.getAsString()));
        return new String[] {"var-replay", "--inputs", inputs.toString(), "--mode", c.get("mode").getAsString(),
            "--image-start", common.get("im").getAsString(), "--image-len", common.get("pa").getAsString(),
            "--sink-dims", String.join(",", dims), "--tau", p.get("tau").getAsString(), "--rho", p.get("rho").getAsString(),
            "--summ", p.get("summ").getAsString(), "--p", p.get("p").getAsString(),
            "--except-last-layer", p.get("except_last_layer").getAsString(), "--out", out.toString()};
    }

    @Test
    void writesTheGoldenTensorsForEveryCase(@TempDir Path tmp) {
        Path dir = VarGoldenTest.dir;
        JsonObject manifest = VarGoldenTest.manifest;
        double tol = VarGoldenTest.attnTolerance();
        for (JsonElement e : manifest.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String name = c.get("name").getAsString();
            Path inputs = dir.resolve(manifest.getAsJsonObject("inputs").getAsJsonObject(c.get("inputs").getAsString()).get("file").getAsString());
            Path out = tmp.resolve(name + ".safetensors");
            assertEquals(0, Main.run(argv(manifest, c, inputs, out)), name + ": exit code");
            try (SafeTensors got = SafeTensors.open(out); SafeTensors exp = SafeTensors.open(dir.resolve(c.get("expected_file").getAsString()))) {
                for (String t : new String[] {"sink_mask", "headfork_mask", "var_rows_mask", "attn_out"}) {
                    assertArrayEquals(exp.entry(t).shape(), got.entry(t).shape(), name + ": shape of " + t);
                    assertEquals(exp.entry(t).dtype(), got.entry(t).dtype(), name + ": dtype of " + t);
                }
                assertArrayEquals(exp.longs("sink_mask"), got.longs("sink_mask"), name + ": sink_mask");
                assertArrayEquals(exp.longs("headfork_mask"), got.longs("headfork_mask"), name + ": headfork_mask");
                assertArrayEquals(exp.longs("var_rows_mask"), got.longs("var_rows_mask"), name + ": var_rows_mask");
                Allclose.assertClose(name + ": attn_out", got.floats("attn_out"), exp.floats("attn_out"), tol, 0);
            }
        }
    }

    @Test
    void rejectsAnImageSpanOutsideThePromptAndUnknownFlags(@TempDir Path tmp) {
        Path dir = VarGoldenTest.dir;
        JsonObject manifest = VarGoldenTest.manifest;
        JsonObject c = manifest.getAsJsonArray("cases").get(0).getAsJsonObject();
        Path inputs = dir.resolve(manifest.getAsJsonObject("inputs").getAsJsonObject(c.get("inputs").getAsString()).get("file").getAsString());
        String[] a = argv(manifest, c, inputs, tmp.resolve("x.safetensors"));
        String[] badSpan = a.clone();
        badSpan[8] = "1000";
        assertEquals(1, Main.run(badSpan), "image span past the prompt is a bad input file");
        String[] typo = java.util.Arrays.copyOf(a, a.length + 2);
        typo[a.length] = "--rhoo";
        typo[a.length + 1] = "0.5";
        assertEquals(2, Main.run(typo), "unknown flag is a usage error");
    }
}
