package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.auto.Families;
import sinkscope.model.decoding.Decoding;
import sinkscope.model.decoding.Draws;
import sinkscope.model.decoding.PaiGuidance;
import sinkscope.model.decoding.Vcd;

/**
 * The contrast inputs against the reference data of {@code golden/interventions/} (refs28: the official code run on
 * transformers 5.18, llava-tiny-a, samples s0 and s1), with the manifests' tolerances.
 *
 * <p>VCD: the noised pixel values from the recorded normal draws; per step the conditional, contrast and final logits
 * at the reference's 64 ids (the branches fed the reference's tokens, the contrast with its own cache); the greedy
 * tokens, and the sampled tokens with the recorded uniforms replayed, through {@link Lmm#generate} with a
 * {@link Contrast}, alone and batched. PAI's guidance: the text-only prompt's ids, its log-probabilities per step (the
 * unconditional branch is never amplified, so the plain model gives them), the guidance on the recorded conditional
 * and text-only log-probabilities at every step, and the first token of the code's variant (its first conditional pass
 * is not amplified) from the plain model.
 */
class ContrastGoldenTest {
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

    private static Path golden(String method) {
        return Path.of("src/test/resources/golden/interventions", method);
    }

    private static JsonObject manifest(String method) throws Exception {
        return JsonParser.parseString(Files.readString(golden(method).resolve("manifest.json"))).getAsJsonObject();
    }

    private static JsonObject sample(JsonObject manifest, String id) {
        for (JsonElement e : manifest.getAsJsonArray("samples")) {
            if (e.getAsJsonObject().get("id").getAsString().equals(id)) {
                return e.getAsJsonObject();
            }
        }
        throw new IllegalArgumentException("no sample " + id);
    }

    /** name -> {atol, rtol} of a sample's tensors. */
    private static Map<String, double[]> tolerances(JsonObject sample) {
        Map<String, double[]> out = new HashMap<>();
        for (JsonElement e : sample.getAsJsonArray("tensors")) {
            JsonObject t = e.getAsJsonObject();
            JsonObject tol = t.getAsJsonObject("tolerance");
            out.put(t.get("name").getAsString(), new double[] {tol.get("atol").getAsDouble(), tol.get("rtol").getAsDouble()});
        }
        return out;
    }

    private static Inputs inputs(NDManager m, long[] ids, String sampleId) {
        try (SafeTensors t = SafeTensors.open(Golden.llava().resolve("tensors/" + sampleId + ".safetensors"))) {
            return new Inputs(ids, t.load(m, "pixel_values"), null, 6, 6, 0, 0, ImageOptions.DEFAULT);
        }
    }

    /** Values of {@code logits} [V] at {@code ids}. */
    private static float[] at(NDArray logits, long[] ids) {
        float[] all = logits.toFloatArray();
        float[] out = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = all[(int) ids[i]];
        }
        return out;
    }

    private static float[] row(float[] flat, int step, int width) {
        return Arrays.copyOfRange(flat, step * width, (step + 1) * width);
    }

    private static void close(String what, float[] actual, float[] expected, double[] tol) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.isInfinite(expected[i])) {
                assertEquals(expected[i], actual[i], what + " [" + i + "] -inf must match");
            }
        }
        float[] a = actual.clone();
        float[] e = expected.clone();
        for (int i = 0; i < e.length; i++) {
            if (Float.isInfinite(e[i])) {
                a[i] = 0;
                e[i] = 0;
            }
        }
        Allclose.assertClose(what, a, e, tol[0], tol[1]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"s0", "s1"})
    void vcdMatchesTheOfficialCode(String id) throws Exception {
        JsonObject manifest = manifest("vcd");
        JsonObject p = manifest.getAsJsonObject("parameters");
        Vcd vcd = new Vcd(p.get("cd_alpha").getAsDouble(), p.get("cd_beta").getAsDouble());
        JsonObject sample = sample(manifest, id);
        Map<String, double[]> tol = tolerances(sample);
        try (SafeTensors g = SafeTensors.open(golden("vcd").resolve(sample.get("tensors_file").getAsString())); NDManager m = manager.newSubManager()) {
            Inputs in = inputs(m, g.longs("input_ids"), id);
            Contrast contrast = Contrast.vcd(m, in, vcd, p.get("noise_step").getAsInt(), Draws.replay(null, g.floats("noise"), null));
            Allclose.assertClose(id + " noised_pixel_values", contrast.inputs().pixelValues().toFloatArray(), g.floats("noised_pixel_values"),
                    tol.get("noised_pixel_values")[0], tol.get("noised_pixel_values")[1]);
            int n = p.get("max_new_tokens").getAsInt();
            for (String mode : new String[] {"greedy", "sample"}) {
                long[] tokens = g.longs(mode + ".tokens");
                long[] ids = g.longs(mode + ".ids");
                float[] cond = g.floats(mode + ".cond_logits");
                float[] con = g.floats(mode + ".contrast_logits");
                float[] fin = g.floats(mode + ".final_logits");
                // the branches step by step, fed the reference's tokens, the contrast in its own cache
                try (NDManager s = m.newSubManager(); KvCache a = new KvCache(model.numLayers()); KvCache b = new KvCache(model.numLayers())) {
                    Merged mm = model.merge(s, in, model.imageFeatures(s, in));
                    Merged cm = model.merge(s, contrast.inputs(), model.imageFeatures(s, contrast.inputs()));
                    NDArray l = model.prefill(s, mm, a, null).lastLogits();
                    NDArray lc = model.prefill(s, cm, b, null).lastLogits();
                    for (int t = 0; t < n; t++) {
                        long[] stepIds = Arrays.copyOfRange(ids, t * 64, (t + 1) * 64);
                        String at = id + " vcd " + mode + " step " + t;
                        close(at + " cond_logits", at(l, stepIds), row(cond, t, 64), tol.get(mode + ".cond_logits"));
                        close(at + " contrast_logits", at(lc, stepIds), row(con, t, 64), tol.get(mode + ".contrast_logits"));
                        close(at + " final_logits", at(vcd.apply(l.expandDims(0), lc.expandDims(0)).squeeze(0), stepIds), row(fin, t, 64),
                                tol.get(mode + ".final_logits"));
                        l = model.decode(s, tokens[t], a, t, mm, null);
                        lc = model.decode(s, tokens[t], b, t, cm, null);
                    }
                }
                // end to end: greedy, and sampling with the recorded uniforms
                Decoding d = mode.equals("greedy") ? Decoding.GREEDY
                        : Decoding.sample(1, 0, 1, 0).replaying(Draws.replay(toDoubles(g.floats("sample.uniform")), null, null));
                GenerateOptions opts = new GenerateOptions(n, true, 0).with(d);
                assertArrayEquals(tokens, model.generate(m, in, null, opts, null, contrast).tokens(), id + " vcd " + mode + " tokens alone");
                if (mode.equals("sample")) {
                    opts = opts.with(Decoding.sample(1, 0, 1, 0).replaying(Draws.replay(toDoubles(g.floats("sample.uniform")), null, null)));
                }
                Generation batched = model.generate(m, java.util.List.of(in), java.util.Arrays.asList((NDArray) null), java.util.List.of(opts),
                        java.util.Arrays.asList((AttentionHook) null), java.util.List.of(contrast)).get(0);
                assertArrayEquals(tokens, batched.tokens(), id + " vcd " + mode + " tokens batched");
            }
            assertTrue(!Arrays.equals(g.longs("sample.tokens"), g.longs("greedy.tokens")), "the sampled reference leaves greedy");
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @ParameterizedTest
    @ValueSource(strings = {"s0", "s1"})
    void paiGuidanceMatchesTheOfficialCode(String id) throws Exception {
        JsonObject manifest = manifest("pai");
        JsonObject p = manifest.getAsJsonObject("parameters");
        PaiGuidance pai = new PaiGuidance(p.get("gamma").getAsDouble());
        JsonObject sample = sample(manifest, id);
        Map<String, double[]> tol = tolerances(sample);
        try (SafeTensors g = SafeTensors.open(golden("pai").resolve(sample.get("tensors_file").getAsString())); NDManager m = manager.newSubManager()) {
            Inputs in = inputs(m, g.longs("input_ids"), id);
            Contrast contrast = Contrast.pai(in, pai, model.config() instanceof sinkscope.model.llava.LlavaConfig c ? c.imageTokenIndex() : -1);
            assertArrayEquals(g.longs("text_only_input_ids"), contrast.inputs().inputIds(), id + " text-only prompt");
            int n = p.get("max_new_tokens").getAsInt();
            for (String variant : new String[] {"attn_cfg", "attn_cfg_amplify_first"}) {
                String v = variant + ".guidance.";
                long[] tokens = g.longs(variant + ".generate.tokens");
                long[] ids = g.longs(v + "ids");
                float[] s = g.floats(v + "cond_logprobs");
                float[] u = g.floats(v + "text_only_logprobs");
                float[] fin = g.floats(v + "final");
                try (NDManager x = m.newSubManager(); KvCache cache = new KvCache(model.numLayers())) {
                    Merged text = model.merge(x, contrast.inputs(), null);
                    NDArray lu = model.prefill(x, text, cache, null).lastLogits();
                    for (int t = 0; t < n; t++) {
                        long[] stepIds = Arrays.copyOfRange(ids, t * 64, (t + 1) * 64);
                        String at = id + " pai " + variant + " step " + t;
                        // the unconditional branch: the text-only prompt in its own cache, fed the chosen tokens, never amplified
                        close(at + " text_only_logprobs", at(lu.logSoftmax(0), stepIds), row(u, t, 64), tol.get(v + "text_only_logprobs"));
                        // the guidance on the recorded log-probs (ids hold the max of s and every surviving token)
                        NDArray gs = x.create(row(s, t, 64)).expandDims(0);
                        NDArray gu = x.create(row(u, t, 64)).expandDims(0);
                        close(at + " final", pai.guide(gs, gu).squeeze(0).toFloatArray(), row(fin, t, 64), tol.get(v + "final"));
                        lu = model.decode(x, tokens[t], cache, t, text, null);
                    }
                }
            }
            // the code's variant: the first conditional pass is not amplified, so the plain model gives the first token
            long[] first = model.generate(m, in, null, new GenerateOptions(1, true, 0), null, contrast).tokens();
            assertEquals(g.longs("attn_cfg.generate.tokens")[0], first[0], id + " pai first token (unamplified prefill + guidance)");
        }
    }
}
