package sinkscope.intervention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.AttentionHook;
import sinkscope.model.ForwardStep;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.Inputs;
import sinkscope.model.Lmm;
import sinkscope.model.SafeTensors;

/**
 * One golden sample of {@code golden/interventions/<method>} run through a registered intervention on llava-tiny-a:
 * the prompt with llava-tiny-a's stored pixel values, greedy generation with the config's hook, and per (step, layer)
 * the scores handed to the intervention, those it returned (what softmax reads) and the attention after softmax.
 * Steps are the golden's: 0 the prefill, 1 the first decode step.
 */
final class GoldenRun {
    final Generation generation;
    final Map<String, float[]> before = new HashMap<>();
    final Map<String, float[]> after = new HashMap<>();
    final Map<String, float[]> probs = new HashMap<>();
    final Map<String, long[]> shapes = new HashMap<>();

    /** The settings a config name gives (as EvalConfig parses it; this package knows nothing of it). */
    static Settings settings(String config) {
        Intervention intervention = Interventions.prefixOf(config);
        Map<String, Double> given = new HashMap<>();
        for (String part : config.substring(intervention.name().length()).split("_")) {
            if (!part.isEmpty()) {
                int k = 0;
                while (Character.isLetter(part.charAt(k))) {
                    k++;
                }
                given.put(part.substring(0, k), Double.parseDouble(part.substring(k)));
            }
        }
        return Interventions.settings(intervention, config, given);
    }

    /** Path of the golden case {@code golden/interventions/<method>} (from refs28's reference scripts). */
    static Path dir(String method) {
        return Path.of("src/test/resources/golden/interventions").resolve(method);
    }

    GoldenRun(Lmm model, NDManager m, JsonObject sample, SafeTensors golden, String config, int steps) {
        Path llava = Golden.llava();
        JsonObject tiny = null;
        for (JsonElement e : Golden.manifest(llava).getAsJsonArray("samples")) {
            if (e.getAsJsonObject().get("id").getAsString().equals(sample.get("llava_tiny_a_sample").getAsString())) {
                tiny = e.getAsJsonObject();
            }
        }
        assertTrue(tiny != null, "llava-tiny-a has sample " + sample.get("llava_tiny_a_sample"));
        Inputs in;
        try (SafeTensors px = SafeTensors.open(llava.resolve(tiny.get("tensors_file").getAsString()))) {
            NDArray p = px.load(m, "pixel_values");
            in = model.encode(m, sample.get("prompt").getAsString(), p.getShape().dimension() == 3 ? p.expandDims(0) : p, null);
        }
        assertArrayEquals(golden.longs("input_ids"), in.inputIds(), "the golden's prompt ids");
        Settings settings = settings(config);
        Intervention intervention = settings.intervention();
        intervention.check(settings, model.numLayers());
        AttentionHook edit = intervention.hook(settings, new Context(m, model.numLayers(), new int[] {0}, 1e9, sample.get("id").getAsString()));
        AttentionHook recording = new AttentionHook() {
            @Override
            public boolean editsScores() {
                return true;
            }

            @Override
            public NDArray onScores(int layer, NDArray s, ForwardStep step) {
                String key = "step" + (step.index() + 1) + ".layer" + layer;
                before.put(key, s.toFloatArray());
                NDArray out = edit.onScores(layer, s, step);
                after.put(key, out.toFloatArray());
                shapes.put(key, out.getShape().getShape());
                return out;
            }

            @Override
            public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
                probs.put("step" + (step.index() + 1) + ".layer" + layer, attn.toFloatArray());
                return attn;
            }
        };
        generation = model.generate(m, in, new GenerateOptions(steps, false, 16), recording);
    }

    /**
     * Rows {@code [fromRow, toRow)} of a recorded [1, H, Q, K] array as [H, rows, K], masked keys (below -1e30) as -inf,
     * as the golden stores them.
     */
    float[] rows(Map<String, float[]> which, String key, int fromRow, int toRow) {
        long[] s = shapes.get(key);
        int h = (int) s[1];
        int q = (int) s[2];
        int k = (int) s[3];
        float[] a = which.get(key);
        float[] out = new float[h * (toRow - fromRow) * k];
        int o = 0;
        for (int hi = 0; hi < h; hi++) {
            for (int qi = fromRow; qi < toRow; qi++) {
                for (int ki = 0; ki < k; ki++) {
                    float v = a[(hi * q + qi) * k + ki];
                    out[o++] = v < -1e30f ? Float.NEGATIVE_INFINITY : v;
                }
            }
        }
        return out;
    }

    /** The query rows of a recorded step: Q. */
    int queryRows(String key) {
        return (int) shapes.get(key)[2];
    }

    /** allclose with the golden's -inf (masked keys) required at the same places. */
    static void assertClose(String what, float[] actual, float[] expected, JsonObject tolerance) {
        assertTrue(actual.length == expected.length, what + ": length " + actual.length + " != " + expected.length);
        float[] a = actual.clone();
        float[] e = expected.clone();
        for (int i = 0; i < e.length; i++) {
            if (e[i] == Float.NEGATIVE_INFINITY || a[i] == Float.NEGATIVE_INFINITY) {
                assertTrue(e[i] == a[i], what + ": -inf at flat index " + i + " in one only: actual " + a[i] + ", expected " + e[i]);
                a[i] = 0;
                e[i] = 0;
            }
        }
        Allclose.assertClose(what, a, e, tolerance.get("atol").getAsDouble(), tolerance.get("rtol").getAsDouble());
    }

    /** The tolerance the golden manifest states for tensor {@code name} of {@code sample}. */
    static JsonObject tolerance(JsonObject sample, String name) {
        for (JsonElement t : sample.getAsJsonArray("tensors")) {
            if (t.getAsJsonObject().get("name").getAsString().equals(name)) {
                return t.getAsJsonObject().getAsJsonObject("tolerance");
            }
        }
        throw new AssertionError("the golden manifest lists no tensor " + name);
    }
}
