package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.cli.Main;
import sinkscope.model.SafeTensors;

/**
 * {@code inspect --var} against VAR run inside the Hugging Face forward pass (llava-tiny-a/var), driven by that
 * manifest: masks and tokens exactly, tensors within the glossary's tolerances.
 */
class VarEndToEndGoldenTest {
    /** Golden name to the name {@code inspect} writes. */
    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("input_ids", "input_ids"),
            Map.entry("var.sink_mask", "sink_mask"),
            Map.entry("var.headfork_mask", "headfork_mask"),
            Map.entry("var.var_rows_mask", "var_rows_mask"),
            Map.entry("var.attentions", "attentions"),
            Map.entry("var.hidden_states", "hidden_states"),
            Map.entry("var.logits_last", "logits_last"),
            Map.entry("var.generate.tokens", "generated_ids"),
            Map.entry("var.generate.step_top16_values", "step_top16_values"),
            Map.entry("var.generate.step_top16_ids", "step_top16_ids"),
            Map.entry("var.decode_headfork_mask", "decode_headfork_mask"),
            Map.entry("var.decode_var_rows_mask", "decode_var_rows_mask"));

    @TempDir
    Path tmp;

    static Stream<JsonObject> runs() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : Golden.manifest(Golden.llava().resolve("var")).getAsJsonArray("samples")) {
            out.add(e.getAsJsonObject());
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void inspectVarMatchesTheAuthorsStagesInsideTransformers(JsonObject run) {
        Path llava = Golden.llava();
        JsonObject varManifest = Golden.manifest(llava.resolve("var"));
        JsonObject params = varManifest.getAsJsonObject("parameter_sets").getAsJsonObject(run.get("params").getAsString());
        JsonObject sample = null;
        for (JsonElement e : Golden.manifest(llava).getAsJsonArray("samples")) {
            if (e.getAsJsonObject().get("id").getAsString().equals(run.get("sample").getAsString())) {
                sample = e.getAsJsonObject();
            }
        }
        StringBuilder dims = new StringBuilder();
        for (JsonElement d : varManifest.getAsJsonArray("sink_dims")) {
            dims.append(dims.length() == 0 ? "" : ",").append(d.getAsInt());
        }
        JsonObject glossaryTolerances = new JsonObject();
        for (JsonElement g : varManifest.getAsJsonArray("tensor_glossary")) {
            glossaryTolerances.add(g.getAsJsonObject().get("name").getAsString(), g.getAsJsonObject().get("tolerance"));
        }
        int steps = run.getAsJsonArray("generated_tokens").size();
        Path out = tmp.resolve("inspect.safetensors");
        int rc = Main.run("inspect", "--model", llava.toString(), "--prompt", sample.get("prompt").getAsString(),
                "--pixel-values", llava.resolve(sample.get("tensors_file").getAsString()).toString(), "--var",
                "--sink-dims", dims.toString(), "--tau", params.get("tau").getAsString(), "--rho", params.get("rho").getAsString(),
                "--summ", params.get("summ").getAsString(), "--p", params.get("p").getAsString(),
                "--except-last-layer", params.get("except_last_layer").getAsString(), "--max-new-tokens", Integer.toString(steps),
                "--device", Golden.device().isGpu() ? "cuda:" + Golden.device().getDeviceId() : "cpu", "--dtype", "fp32", "--out", out.toString());
        assertEquals(0, rc, "inspect exit code");
        String id = run.get("file").getAsString();
        try (SafeTensors got = SafeTensors.open(out); SafeTensors golden = SafeTensors.open(llava.resolve("var").resolve(id))) {
            int checked = 0;
            for (String name : golden.entries().keySet()) {
                String mine = NAMES.get(name);
                if (mine == null) {
                    fail(id + ": golden tensor " + name + " has no counterpart in inspect's output");
                }
                JsonObject tol = glossaryTolerances.getAsJsonObject(name);
                double atol = tol.get("atol").getAsDouble();
                double rtol = tol.get("rtol").getAsDouble();
                SafeTensors.Entry e = golden.entry(name);
                if (e.dtype() == sinkscope.model.DType.F32) {
                    Allclose.assertClose(id + " " + name, got.floats(mine), golden.floats(name), atol, rtol);
                } else if (name.endsWith("step_top16_ids")) {
                    Allclose.assertTopIds(id, got.longs(mine), golden.longs(name), golden.floats("var.generate.step_top16_values"));
                } else {
                    assertArrayEquals(golden.longs(name), got.longs(mine), id + " " + name);
                }
                checked++;
            }
            assertEquals(NAMES.size(), checked, id + ": tensors checked");
        }
    }

}
