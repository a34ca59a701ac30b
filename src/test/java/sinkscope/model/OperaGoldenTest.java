package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.auto.Families;
import sinkscope.model.decoding.Opera;

/**
 * {@link OperaDecoder} against {@code golden/interventions/opera/} (shikiw/OPERA's own {@code opera_beam_search} run on
 * transformers 5.18's LLaVA, llava-tiny-a, samples s0 and s1, threshold 2 and 34 tokens so that s0 rolls back once):
 * every loop iteration's beams, candidates, penalties, rollback locations, the {@code 2B} best continuations and the
 * scorer's new beams with the manifest's tolerances (ids and locations exact), the rollbacks, and the returned tokens
 * exactly. Then OPERA on qwen2-vl-tiny-a: it runs, and its result is consistent with the beam width.
 */
class OperaGoldenTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden/interventions/opera");
    private static Lmm model;
    private static NDManager manager;

    @BeforeAll
    static void load() {
        Torch.configure(2);
        model = Families.load(Golden.llava(), Device.cpu(), DataType.FLOAT32);
        manager = model.newSampleManager();
    }

    @AfterAll
    static void close() {
        manager.close();
        model.close();
    }

    private static JsonObject manifest() throws Exception {
        return JsonParser.parseString(Files.readString(GOLDEN.resolve("manifest.json"))).getAsJsonObject();
    }

    @ParameterizedTest
    @ValueSource(strings = {"s0", "s1"})
    void matchesTheOfficialLoop(String id) throws Exception {
        JsonObject manifest = manifest();
        JsonObject p = manifest.getAsJsonObject("parameters");
        JsonObject sample = null;
        for (JsonElement e : manifest.getAsJsonArray("samples")) {
            if (e.getAsJsonObject().get("id").getAsString().equals(id)) {
                sample = e.getAsJsonObject();
            }
        }
        Map<String, double[]> tol = new HashMap<>();
        for (JsonElement e : sample.getAsJsonArray("tensors")) {
            JsonObject t = e.getAsJsonObject().getAsJsonObject("tolerance");
            tol.put(e.getAsJsonObject().get("name").getAsString(), new double[] {t.get("atol").getAsDouble(), t.get("rtol").getAsDouble()});
        }
        Opera opera = new Opera(p.get("num_beams").getAsInt(), p.get("num_attn_candidates").getAsInt(), p.get("scale_factor").getAsDouble(),
                p.get("penalty_weights").getAsDouble(), p.get("threshold").getAsInt(), p.get("window_size").getAsInt());
        int beams = opera.beams();
        try (SafeTensors g = SafeTensors.open(GOLDEN.resolve(sample.get("tensors_file").getAsString())); NDManager m = manager.newSubManager();
                SafeTensors px = SafeTensors.open(Golden.llava().resolve("tensors/" + id + ".safetensors"))) {
            Inputs in = new Inputs(g.longs("input_ids"), px.load(m, "pixel_values"), null, 6, 6, 0, 0, ImageOptions.DEFAULT);
            OperaDecoder.Result r = OperaDecoder.generate(model, m, in, null, opera, p.get("max_new_tokens").getAsInt(), true, true, null);
            long[] rollback = g.longs("iter.rollback");
            int iterations = rollback.length;
            assertEquals(sample.get("iterations").getAsInt(), iterations);
            assertEquals(iterations, r.iterations(), id + " loop iterations");
            List<OperaDecoder.Iteration> trace = r.trace();
            long[] responseLen = g.longs("iter.response_len");
            long[] rollbackPos = g.longs("iter.rollback_pos");
            long[] rollbackLoc = g.longs("iter.rollback_loc");
            long[] beamsIn = g.longs("iter.beams_in");
            int width = (int) g.entry("iter.beams_in").shape()[2];
            long[] candIds = g.longs("iter.cand_ids");
            long[] rbLocs = g.longs("iter.rollback_locs");
            long[] topTokens = g.longs("iter.top2k_tokens");
            long[] topBeams = g.longs("iter.top2k_beams");
            float[] topScores = g.floats("iter.top2k_scores");
            long[] nextTokens = g.longs("iter.next_beam_tokens");
            long[] nextIdx = g.longs("iter.next_beam_indices");
            int n = opera.candidates();
            for (int k = 0; k < iterations; k++) {
                OperaDecoder.Iteration it = trace.get(k);
                String at = id + " iteration " + k;
                assertEquals(responseLen[k], it.responseLength(), at + " response_len");
                for (int b = 0; b < beams; b++) {
                    long[] expected = Arrays.copyOfRange(beamsIn, (k * beams + b) * width, (k * beams + b + 1) * width);
                    int len = (int) Arrays.stream(expected).filter(x -> x >= 0).count();
                    assertArrayEquals(Arrays.copyOf(expected, len), it.beamsIn()[b], at + " beam " + b + " tokens in");
                }
                assertArrayEquals(slice(candIds, k, beams * n), flat(it.candidateIds()), at + " cand_ids");
                close(at, "cand_logits", g, tol, k, beams * n, flat(it.candidateLogits()));
                close(at, "image_attn", g, tol, k, beams * n, flat(it.imageAttention()));
                close(at, "rollback_scores", g, tol, k, beams * n, flat(it.rollbackScores()));
                assertArrayEquals(slice(rbLocs, k, beams * n), Arrays.stream(it.rollbackLocs()).flatMapToInt(Arrays::stream).asLongStream().toArray(),
                        at + " rollback_locs");
                assertEquals(rollbackLoc[k], it.rollbackLoc(), at + " rollback_loc");
                close(at, "penalty", g, tol, k, beams * n, flat(it.penalty()));
                close(at, "penalized", g, tol, k, beams * n, flat(it.penalized()));
                assertEquals(rollbackPos[k], it.rollbackPos(), at + " rollback_pos");
                assertEquals(rollback[k], it.rollbackPos() >= 0 ? 1 : 0, at + " rollback");
                close(at, "top2k_scores", g, tol, k, 2 * beams, it.topScores());
                for (int j = 0; j < 2 * beams; j++) {
                    if (topScores[k * 2 * beams + j] > -900) {
                        assertEquals(topTokens[k * 2 * beams + j], it.topTokens()[j], at + " top2k_tokens[" + j + "]");
                        assertEquals(topBeams[k * 2 * beams + j], it.topBeams()[j], at + " top2k_beams[" + j + "]");
                    }
                }
                close(at, "next_beam_scores", g, tol, k, beams, it.next().scores());
                assertArrayEquals(slice(nextTokens, k, beams), it.next().tokens(), at + " next_beam_tokens");
                assertArrayEquals(slice(nextIdx, k, beams), Arrays.stream(it.next().indices()).asLongStream().toArray(), at + " next_beam_indices");
            }
            int rollbacks = sample.getAsJsonArray("rollbacks").size();
            assertEquals(rollbacks, r.rollbacks().size(), id + " rollbacks");
            for (int i = 0; i < rollbacks; i++) {
                JsonObject e = sample.getAsJsonArray("rollbacks").get(i).getAsJsonObject();
                assertArrayEquals(new int[] {e.get("iteration").getAsInt(), e.get("response_len").getAsInt(), e.get("rollback_pos").getAsInt()},
                        r.rollbacks().get(i), id + " rollback " + i);
            }
            assertArrayEquals(g.longs("tokens"), r.tokens(), id + " tokens");
            // per iteration one pass of the beams plus one per candidate, the first being the prefill; a rollback adds a prefill and a pass
            assertEquals(iterations * (1 + n) + 2 * rollbacks, r.passes(), id + " passes");
        }
    }

    @Test
    void runsOnQwen2Vl() throws Exception {
        Path golden = Golden.qwen2Vl();
        try (Lmm qwen = Families.load(golden, Device.cpu(), DataType.FLOAT32); NDManager m = qwen.newSampleManager()) {
            JsonObject s = Golden.manifest(golden).getAsJsonArray("samples").get(0).getAsJsonObject();
            String prompt = (s.has("prompt_text") ? s.get("prompt_text") : s.get("prompt")).getAsString();
            Inputs in = qwen.encode(m, prompt, ImageIO.read(golden.resolve(s.get("image_file").getAsString()).toFile()), ImageOptions.DEFAULT);
            Opera opera = new Opera(3, 3, 50, 1, 2, 512); // N >= beams: with fewer, the first step fills beams with -999 fillers, as the code does
            int max = 14;
            OperaDecoder.Result r = OperaDecoder.generate(qwen, m, in, null, opera, max, false, true, null);
            assertEquals(max, r.tokens().length, "without EOS every hypothesis runs to the budget");
            for (long t : r.tokens()) {
                assertTrue(t >= 0 && t < qwen.config().text().vocabSize(), "token " + t + " in the vocabulary");
            }
            for (OperaDecoder.Iteration it : r.trace()) {
                assertEquals(3, it.beamsIn().length, "one row per beam");
                assertEquals(3, it.next().tokens().length);
                assertEquals(3, it.candidateIds()[0].length);
                for (int j = 0; j < it.next().indices().length; j++) {
                    int src = it.next().indices()[j];
                    long token = it.next().tokens()[j];
                    assertTrue(src >= 0 && src < 3, "source beam in range");
                    assertTrue(Arrays.stream(it.candidateIds()[src]).anyMatch(x -> x == token) || it.rollbackPos() >= 0,
                            "a new beam continues its source with one of that beam's candidates");
                }
            }
            assertFalse(r.trace().isEmpty());
            long[] best = r.tokens();
            OperaDecoder.Iteration last = r.trace().get(r.trace().size() - 1);
            boolean fromBeam = false;
            for (int b = 0; b < 3; b++) {
                long[] beam = Arrays.copyOf(last.beamsIn()[last.next().indices()[b]], last.beamsIn()[0].length + 1);
                beam[beam.length - 1] = last.next().tokens()[b];
                fromBeam |= Arrays.equals(beam, best);
            }
            assertTrue(fromBeam, "the result is one of the final beams");
        }
    }

    private static long[] slice(long[] all, int k, int size) {
        return Arrays.copyOfRange(all, k * size, (k + 1) * size);
    }

    private static long[] flat(long[][] a) {
        return Arrays.stream(a).flatMapToLong(Arrays::stream).toArray();
    }

    private static float[] flat(float[][] a) {
        int size = Arrays.stream(a).mapToInt(x -> x.length).sum();
        float[] out = new float[size];
        int at = 0;
        for (float[] row : a) {
            System.arraycopy(row, 0, out, at, row.length);
            at += row.length;
        }
        return out;
    }

    private static void close(String at, String name, SafeTensors g, Map<String, double[]> tol, int k, int size, float[] actual) {
        float[] all = g.floats("iter." + name);
        double[] t = tol.get("iter." + name);
        Allclose.assertClose(at + " " + name, actual, Arrays.copyOfRange(all, k * size, (k + 1) * size), t[0], t[1]);
    }
}
