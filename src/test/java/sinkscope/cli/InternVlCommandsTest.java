package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.SafeTensors;
import sinkscope.model.SafeTensorsWriter;

/**
 * The single-sample commands on the InternVL golden checkpoints: {@code info}, {@code inspect} from the image file
 * (against transformers' tensors, on internvl-tiny-a and internvl3_5-tiny-a), {@code inspect --var}, {@code generate}, {@code ablate}, {@code sink-dims} (finds
 * the primary planted dim) and {@code var-replay} on inspect's tensors (finds the planted sinks).
 */
class InternVlCommandsTest {
    @TempDir
    Path tmp;

    private static String run(String... argv) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run(argv), String.join(" ", argv));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static JsonObject sample(int i) {
        return Golden.manifest(Golden.internVl()).getAsJsonArray("samples").get(i).getAsJsonObject();
    }

    @Test
    void infoNamesTheFamilyAndDecoder() {
        String out = run("info", "--model", Golden.internVlCheckpoint().toString());
        assertTrue(out.contains("model type: internvl"), out);
        assertTrue(out.contains("language model: qwen2, 4 layers, 2 heads, 1 kv heads (head dim 4), hidden 8, intermediate 32, vocab 151674"), out);
        assertTrue(out.contains("InternViT, 2 layers, 2 heads, hidden 16") && out.contains("q/k norm") && out.contains("9 per tile"), out);
        String v35 = run("info", "--model", Golden.internVlCheckpoint(Golden.internVl35()).toString());
        assertTrue(v35.contains("language model: qwen3, 4 layers, 2 heads, 1 kv heads (head dim 8), hidden 8, intermediate 32, vocab 151936"), v35);
        assertTrue(v35.contains("InternViT, 2 layers, 2 heads, hidden 16") && !v35.contains("q/k norm") && v35.contains("decoder qwen3"), v35);
    }

    static Stream<Path> cases() {
        return Stream.of(Golden.internVl(), Golden.internVl35());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void inspectFromTheImageFileMatchesTransformersAndVarActs(Path golden) throws Exception {
        Path dir = Golden.internVlCheckpoint(golden);
        // the sample of the most tiles (internvl-tiny-a: 2x2 tiles + thumbnail)
        JsonObject s = Golden.manifest(golden).getAsJsonArray("samples").asList().stream().map(JsonElement::getAsJsonObject)
                .max(Comparator.comparingInt(e -> e.get("num_tiles").getAsInt())).orElseThrow();
        String question = s.get("prompt_text").getAsString();
        String image = golden.resolve(s.get("image_file").getAsString()).toString();
        Path plain = tmp.resolve("plain.safetensors");
        run("inspect", "--model", dir.toString(), "--image", image, "--prompt", s.get("prompt_text").getAsString(), "--max-new-tokens", "6", "--out",
                plain.toString());
        try (SafeTensors got = SafeTensors.open(plain); SafeTensors expected = SafeTensors.open(golden.resolve(s.get("tensors_file").getAsString()))) {
            assertArrayEquals(expected.longs("input_ids"), got.longs("input_ids"));
            assertArrayEquals(new long[] {s.get("image_start").getAsLong(), s.get("image_end").getAsLong()}, got.longs("image_span"));
            Allclose.assertClose("pixel_values", got.floats("pixel_values"), expected.floats("pixel_values"), 1e-5, 0);
            Allclose.assertClose("hidden_states", got.floats("hidden_states"), expected.floats("decoder.hidden_states"), 1e-4, 1e-4);
            Allclose.assertClose("attentions", got.floats("attentions"), expected.floats("decoder.attentions"), 2e-5, 1e-3);
            assertArrayEquals(expected.longs("generate.tokens"), got.longs("generated_ids"));
            Set<Long> panels = new TreeSet<>();
            Arrays.stream(got.longs("image_token_panel")).forEach(panels::add);
            Set<Long> tiles = new TreeSet<>();
            for (long t = 0; t < s.get("num_tiles").getAsInt(); t++) {
                tiles.add(t);
            }
            assertEquals(tiles, panels, "one panel per tile and the thumbnail");
        }
        Path var = tmp.resolve("var.safetensors");
        String out = run("inspect", "--model", dir.toString(), "--image", image, "--prompt", question, "--var", "--sink-dims", "2,5", "--tau", "1.5",
                "--out", var.toString());
        assertTrue(out.contains("var: "), out);
        try (SafeTensors got = SafeTensors.open(var)) {
            long sinks = Arrays.stream(got.longs("sink_mask")).sum();
            assertTrue(sinks > 0, "planted sinks found by VAR in the forward");
        }

        // var-replay on the baseline's layer inputs and attention finds the planted image sinks at layer 2
        Path in = tmp.resolve("replay-in.safetensors");
        Path replayed = tmp.resolve("replay-out.safetensors");
        try (SafeTensors p = SafeTensors.open(plain); var m = ai.djl.ndarray.NDManager.newBaseManager()) {
            var hidden = p.load(m, "hidden_states");
            long layers = p.entry("attentions").shape()[0];
            new SafeTensorsWriter().add("hidden_states", hidden.get("0:" + layers).expandDims(1))
                    .add("attn", p.load(m, "attentions").expandDims(1)).write(in);
        }
        int start = s.get("image_start").getAsInt();
        int len = s.get("image_end").getAsInt() - start;
        run("var-replay", "--inputs", in.toString(), "--out", replayed.toString(), "--mode", "prefill", "--image-start", Integer.toString(start),
                "--image-len", Integer.toString(len), "--sink-dims", "2,5", "--tau", "1.5");
        try (SafeTensors r = SafeTensors.open(replayed)) {
            long[] shape = r.entry("sink_mask").shape();
            long[] mask = r.longs("sink_mask");
            long seq = shape[shape.length - 1];
            TreeSet<Integer> layer2 = new TreeSet<>();
            for (int i = 0; i < len; i++) {
                if (mask[(int) (2 * seq) + start + i] != 0) {
                    layer2.add(i);
                }
            }
            // transformers' phi at layer 2's input over tau (internvl-tiny-a: all its planted sinks)
            TreeSet<Integer> expected = new TreeSet<>();
            try (SafeTensors g = SafeTensors.open(golden.resolve(s.get("tensors_file").getAsString()))) {
                float[] phi = g.floats("sink.phi");
                long phiSeq = g.entry("sink.phi").shape()[1];
                for (int i = 0; i < len; i++) {
                    if (phi[(int) (2 * phiSeq) + start + i] > 1.5) {
                        expected.add(i);
                    }
                }
            }
            assertTrue(!expected.isEmpty(), "planted sinks at layer 2");
            assertEquals(expected, layer2, "image sinks at layer 2");
        }
    }

    @Test
    void generateAblateAndSinkDimsRun() {
        Path dir = Golden.internVlCheckpoint();
        JsonObject s = sample(0);
        String image = Golden.internVl().resolve(s.get("image_file").getAsString()).toString();
        String gen = run("generate", "--model", dir.toString(), "--image", image, "--prompt", s.get("prompt_text").getAsString(), "--max-new-tokens", "6");
        assertTrue(!gen.isBlank(), "generated text");
        String ablate = run("ablate", "--model", dir.toString(), "--image", image, "--sink-dims", "2,5",
                "--tau", "1.5", "--max-new-tokens", "4");
        assertTrue(ablate.toLowerCase().contains("sink"), ablate);
        String dims = run("sink-dims", "--model", dir.toString(), "--images", Golden.internVl().resolve("images").toString(), "--limit", "4", "--tau", "1.5",
                "--check", "false");
        String rec = dims.lines().filter(l -> l.startsWith("recommended D_sink")).findFirst().orElse("");
        // hidden 8 leaves little room: the primary planted dim (2) is found; dim 1 is large on every token of this tiny model
        assertTrue(rec.matches("recommended D_sink: \\[.*\\b2\\b.*\\]"), dims);
        for (JsonElement e : Golden.manifest(Golden.internVl()).getAsJsonArray("samples")) {
            assertTrue(e.getAsJsonObject().getAsJsonArray("planted_sink_image_token_indices").size() > 0);
        }
    }
}
