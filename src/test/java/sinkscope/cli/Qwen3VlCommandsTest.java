package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.SafeTensors;
import sinkscope.model.SafeTensorsWriter;

/**
 * The commands on the Qwen3-VL golden checkpoint: {@code info} (its exact parameter count), {@code inspect} against
 * transformers' tensors (the hidden states after DeepStack), {@code inspect --var}'s masks equal to {@code var-replay}'s on
 * the tensors of the plain run up to the first layer VAR rewrites (later layers see VAR's effect), {@code generate} (transformers' tokens), {@code ablate} masking the planted sinks, {@code sink-dims} ranking a planted
 * dim first, and
 * {@code pipeline --model} writing every table and the report.
 */
class Qwen3VlCommandsTest {
    @TempDir
    Path tmp;

    private static String out(String... argv) {
        PrintStream old = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setOut(both);
        System.setErr(both);
        try {
            assertEquals(0, Main.run(argv), String.join(" ", argv));
        } finally {
            System.setOut(old);
            System.setErr(oldErr);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static JsonObject sample(int i) {
        return Golden.manifest(Golden.qwen3Vl()).getAsJsonArray("samples").get(i).getAsJsonObject();
    }

    @Test
    void infoGenerateAblateAndSinkDims() {
        String model = Golden.qwen3VlCheckpoint().toString();
        String info = out("info", "--model", model);
        // 1,270,752 = the sum of numel over model.safetensors (tied lm_head not stored)
        assertTrue(info.contains("model type: qwen3_vl") && info.contains("language model: qwen3, 4 layers, 4 heads, 2 kv heads (head dim 16), hidden 8")
                && info.contains("DeepStack mergers of blocks [0, 1]") && info.contains("parameters: 1,270,752"), info);
        JsonObject s = sample(1);
        String image = Golden.qwen3Vl().resolve(s.get("image_file").getAsString()).toString();
        String gen = out("generate", "--model", model, "--image", image, "--prompt", s.get("prompt_text").getAsString(), "--max-new-tokens", "6");
        assertTrue(gen.contains("6 tokens " + s.getAsJsonArray("generated_token_ids").toString().replace(",", ", ")), gen);
        String ablate = out("ablate", "--model", model, "--image", image, "--sink-dims", "2,6", "--tau", "1.9", "--max-new-tokens", "3");
        // the planted sinks: the 4 white blocks of this image, from layer 2 on (the golden sample's planted_sink_image_token_indices)
        assertTrue(ablate.contains("visual sinks masked per layer: [0, 0, 4, 4]"), ablate);
        String dims = out("sink-dims", "--model", model, "--images", Golden.qwen3Vl().resolve("images").toString(), "--tau", "1.9");
        assertTrue(dims.contains("recommended D_sink: [2"), dims);
    }

    @Test
    void inspectMatchesTransformersAndVarEqualsReplay() throws Exception {
        String model = Golden.qwen3VlCheckpoint().toString();
        JsonObject s = sample(1);
        String image = Golden.qwen3Vl().resolve(s.get("image_file").getAsString()).toString();
        Path plain = tmp.resolve("plain.safetensors");
        Path var = tmp.resolve("var.safetensors");
        List<String> common = List.of("inspect", "--model", model, "--image", image, "--prompt", s.get("prompt_text").getAsString(), "--max-new-tokens", "6");
        out(concat(common, "--out", plain.toString()));
        out(concat(common, "--out", var.toString(), "--var", "--sink-dims", "2,6", "--tau", "1.9"));
        JsonObject tensors = new JsonObject();
        for (JsonElement e : s.getAsJsonArray("tensors")) {
            tensors.add(e.getAsJsonObject().get("name").getAsString(), e.getAsJsonObject().getAsJsonObject("tolerance"));
        }
        try (SafeTensors got = SafeTensors.open(plain); SafeTensors golden = SafeTensors.open(Golden.qwen3Vl().resolve(s.get("tensors_file").getAsString()));
                NDManager m = NDManager.newBaseManager()) {
            assertArrayEquals(golden.longs("input_ids"), got.longs("input_ids"));
            assertArrayEquals(new long[] {s.get("image_start").getAsLong(), s.get("image_end").getAsLong()}, got.longs("image_span"));
            assertArrayEquals(golden.longs("generate.tokens"), got.longs("generated_ids"));
            // inspect's hidden_states: every layer's input (after DeepStack), then the final norm's output
            NDArray hidden = got.load(m, "hidden_states");
            long layers = hidden.getShape().get(0) - 1;
            JsonObject tol = tensors.getAsJsonObject("decoder.layer_inputs");
            Allclose.assertClose("layer inputs", hidden.get("0:{}", layers).toFloatArray(), golden.floats("decoder.layer_inputs"),
                    tol.get("atol").getAsDouble(), tol.get("rtol").getAsDouble());
            tol = tensors.getAsJsonObject("decoder.attentions");
            Allclose.assertClose("attentions", got.floats("attentions"), golden.floats("decoder.attentions"), tol.get("atol").getAsDouble(),
                    tol.get("rtol").getAsDouble());

            // var-replay on the plain run's layer inputs and attention gives the masks VAR took inside the forward pass
            Path inputs = tmp.resolve("replay-in.safetensors");
            NDArray attn = got.load(m, "attentions");
            new SafeTensorsWriter().add("hidden_states", hidden.get("0:{}", layers).expandDims(1)).add("attn", attn.expandDims(1)).write(inputs);
            Path replay = tmp.resolve("replay.safetensors");
            out("var-replay", "--inputs", inputs.toString(), "--mode", "prefill", "--image-start", s.get("image_start").getAsString(), "--image-len",
                    Integer.toString(s.get("image_end").getAsInt() - s.get("image_start").getAsInt()), "--sink-dims", "2,6", "--tau", "1.9", "--out",
                    replay.toString());
            try (SafeTensors r = SafeTensors.open(replay); SafeTensors v = SafeTensors.open(var)) {
                long[] rows = v.longs("var_rows_mask");
                int per = (int) (rows.length / layers);
                int first = 0;
                while (first < layers - 1 && java.util.Arrays.stream(rows, first * per, (first + 1) * per).sum() == 0) {
                    first++;
                }
                for (String mask : new String[] {"sink_mask", "headfork_mask", "var_rows_mask"}) {
                    long[] a = r.longs(mask);
                    long[] b = v.longs(mask);
                    assertEquals(a.length, b.length, mask);
                    int n = (int) (a.length / layers) * (first + 1);
                    assertArrayEquals(java.util.Arrays.copyOf(a, n), java.util.Arrays.copyOf(b, n), mask + ": var-replay == VAR in the forward pass, layers 0.." + first);
                }
                assertTrue(java.util.Arrays.stream(v.longs("var_rows_mask")).sum() > 0, "VAR acts on the planted sinks");
            }
        }
    }

    @Test
    void pipelineWritesEveryTableAndTheReport() throws Exception {
        Path synth = tmp.resolve("synth");
        out("synth", "--out", synth.toString(), "--images", "2", "--seed", "3");
        Path questions = tmp.resolve("q.jsonl");
        List<String> lines = Files.readAllLines(synth.resolve("eval/benchmarks.jsonl"), StandardCharsets.UTF_8).stream()
                .filter(l -> JsonParser.parseString(l).getAsJsonObject().get("benchmark").getAsString().equals("pope")).limit(4).toList();
        assertEquals(4, lines.size());
        Files.write(questions, lines, StandardCharsets.UTF_8);
        Path outDir = tmp.resolve("out");
        out("pipeline", "--questions", questions.toString(), "--images", synth.resolve("images").toString(), "--model", Golden.qwen3VlCheckpoint().toString(),
                "--out", outDir.toString(), "--sink-dims", "2,6", "--tau", "1.9", "--master", "local[2]", "--partitions", "2", "--configs",
                "baseline,var,ablate_sinks", "--attention-layers", "1,2", "--max-new-tokens", "3");
        for (String table : new String[] {"tokens", "heads", "attention", "samples", "errors", "sink_dimensions", "sink_tokens", "head_profile",
            "predictions", "metrics"}) {
            assertTrue(Files.isDirectory(outDir.resolve(table)), table + " under " + outDir + ": " + list(outDir));
        }
        String html = Files.readString(outDir.resolve("report/index.html"), StandardCharsets.UTF_8);
        assertTrue(html.contains("qwen3_vl"), "the report names the model type");
    }

    private static String list(Path dir) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList().toString();
        }
    }

    private static String[] concat(List<String> a, String... b) {
        String[] out = a.toArray(new String[a.size() + b.length]);
        System.arraycopy(b, 0, out, a.size(), b.length);
        return out;
    }
}
