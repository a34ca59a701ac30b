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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.auto.Families;
import sinkscope.sink.LastTokenImageAttention;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/**
 * Shared prefixes ({@link SharedPrefixes}) on every golden checkpoint (LLaVA-NeXT's Mistral with prompts longer
 * than its sliding window): four questions about one image (the same
 * feature array, as evaluation hands them; the last repeats the first, so its own pass is one row) and one about
 * another image, as one batch. Tokens identical and top-16
 * logits within 1e-5 of the unshared batch and of each prompt generated alone, with no hook and with VAR (evaluation's
 * non-recording hook, which rewrites rows after the image at prefill and every decode row) chained with the grounding
 * probe; VAR's sinks of every layer (Stage 1 reads every position's hidden state, the prefix's included) and the
 * probe's image attention the same too. Then which prompts share, and which hooks keep their prompt out.
 */
class SharedPrefixTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llava-tiny-a", "llava-next-tiny-a", "llava-next-tiny-a/mistral", "qwen2-vl-tiny-a", "qwen2_5-vl-tiny-a", "qwen3-vl-tiny-a",
            "internvl-tiny-a", "internvl3_5-tiny-a"})
    void sharedEqualsUnsharedAndAlone(String which) throws Exception {
        Torch.configure(2);
        Golden.Case c = Golden.Case.of(which);
        Path golden = c.golden();
        Path dir = c.checkpoint();
        JsonObject manifest = c.manifest();
        int[] dims = c.sinkDims();
        double tau = c.tau();
        VarParams params = VarParams.official(dims).withTau(tau);
        try (Lmm model = Families.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = model.newSampleManager()) {
            List<JsonObject> samples = new ArrayList<>();
            for (JsonElement e : manifest.getAsJsonArray("samples")) {
                JsonObject s = e.getAsJsonObject();
                if (!s.has("decoder") || s.get("decoder").getAsString().equals(which.endsWith("mistral") ? "mistral" : "llama")) {
                    samples.add(s);
                }
            }
            List<Inputs> inputs = new ArrayList<>();
            List<NDArray> features = new ArrayList<>();
            JsonObject first = samples.stream().filter(s -> prompt(s).contains("What is shown in this image?")).findFirst().orElseThrow();
            String prompt = prompt(first);
            var image = ImageIO.read(golden.resolve(first.get("image_file").getAsString()).toFile());
            NDArray shared = null;
            for (String q : List.of("What is shown in this image?", "Is there a red circle here?", "Which colours and shapes are in this image, and where?")) {
                Inputs in = model.encode(m, prompt.replace("What is shown in this image?", q), image, ImageOptions.DEFAULT);
                shared = shared == null ? model.imageFeatures(m, in) : shared;
                inputs.add(in);
                features.add(shared);
            }
            if (samples.size() > 1) {
                JsonObject other = samples.get(samples.get(0) == first ? 1 : 0);
                inputs.add(model.encode(m, prompt(other), ImageIO.read(golden.resolve(other.get("image_file").getAsString()).toFile()), ImageOptions.DEFAULT));
            } else { // one sample of this decoder: its image mirrored
                inputs.add(model.encode(m, prompt, flipped(image), ImageOptions.DEFAULT));
            }
            features.add(model.imageFeatures(m, inputs.get(3)));
            // the first question again (the synthetic benchmark repeats questions): all but its last row shared
            inputs.add(model.encode(m, prompt, image, ImageOptions.DEFAULT));
            features.add(shared);
            int b = inputs.size();

            List<Merged> merged = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                merged.add(model.merge(m, inputs.get(i), features.get(i)));
            }
            List<SharedPrefixes.Group> plan = SharedPrefixes.plan(merged, Collections.nCopies(b, null), model.numLayers());
            assertEquals(1, plan.size(), which + ": one group");
            assertArrayEquals(new int[] {0, 1, 2, 4}, plan.get(0).rows(), which + ": the four questions about one image");
            assertTrue(plan.get(0).length() >= merged.get(0).imageEnd(), which + ": the prefix holds the image");
            if (which.endsWith("mistral")) {
                assertTrue(plan.get(0).length() > model.config().text().slidingWindow(), "a prefix longer than the sliding window");
            }
            List<VarHook> planVar = new ArrayList<>();
            List<AttentionHook> planHooks = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                VarHook var = new VarHook(m, params, false);
                planVar.add(var);
                planHooks.add(AttentionHook.chain(var, new LastTokenImageAttention(model.numLayers(), null, List.of())));
            }
            plan = SharedPrefixes.plan(merged, planHooks, model.numLayers());
            assertEquals(merged.get(0).imageEnd(), plan.get(0).length(), which + ": with VAR the prefix ends at the image end");
            planVar.forEach(VarHook::close);
            int imageEnd = merged.get(0).imageEnd();
            merged.forEach(Merged::close);

            GenerateOptions opts = new GenerateOptions(6, false, 16);
            for (boolean var : new boolean[] {false, true}) {
                Run alone = new Run(m, model, params, var, b);
                List<Generation> one = new ArrayList<>();
                for (int i = 0; i < b; i++) {
                    one.add(model.generate(m, inputs.get(i), features.get(i), opts, alone.hooks.get(i)));
                }
                Run unshared = new Run(m, model, params, var, b);
                List<Generation> plain;
                System.setProperty("sinkscope.sharePrefixes", "false");
                try {
                    plain = model.generate(m, inputs, features, Collections.nCopies(b, opts), unshared.hooks);
                } finally {
                    System.clearProperty("sinkscope.sharePrefixes");
                }
                Run sharing = new Run(m, model, params, var, b);
                int live = model.liveArrays();
                List<Generation> many = model.generate(m, inputs, features, Collections.nCopies(b, opts), sharing.hooks);
                if (!var) { // VAR keeps its sinks per prompt; the probe keeps Java arrays only
                    assertEquals(live, model.liveArrays(), which + ": arrays alive before and after a shared batch");
                }
                long sinks = 0;
                assertArrayEquals(new int[b], unshared.prefillStart, which + ": unshared prefills start at 0");
                for (int i = 0; i < b; i++) {
                    int expected = i == 3 ? 0 : var ? imageEnd : -1;
                    if (expected >= 0) {
                        assertEquals(expected, sharing.prefillStart[i], which + " prompt " + i + ": where its own prefill pass starts");
                    } else {
                        assertTrue(sharing.prefillStart[i] > 0, which + " prompt " + i + ": continues the shared prefix");
                    }
                }
                for (int i = 0; i < b; i++) {
                    String at = which + (var ? " VAR" : "") + " prompt " + i;
                    for (List<Generation> ref : List.of(one, plain)) {
                        Generation r = ref.get(i);
                        Generation g = many.get(i);
                        assertArrayEquals(r.tokens(), g.tokens(), at + " tokens");
                        for (int t = 0; t < r.tokens().length; t++) {
                            assertArrayEquals(r.topIds()[t], g.topIds()[t], at + " step " + t + " top-16 ids");
                            Allclose.assertClose(at + " step " + t + " top-16 logits", g.topValues()[t], r.topValues()[t], 1e-5, 1e-5);
                        }
                    }
                    Allclose.assertClose(at + " probe image attention", sharing.probes.get(i).image(), alone.probes.get(i).image(), 1e-5, 1e-5);
                    if (var) {
                        for (int l = 0; l < model.numLayers(); l++) {
                            var a = alone.vars.get(i).sinks(l);
                            var s = sharing.vars.get(i).sinks(l);
                            assertEquals(a == null, s == null, at + " layer " + l + " sinks found");
                            if (a != null) {
                                assertArrayEquals(a.all().toBooleanArray(), s.all().toBooleanArray(), at + " layer " + l + " sinks");
                                sinks += s.visual().toType(DataType.INT64, false).sum().getLong();
                            }
                        }
                    }
                }
                if (var) {
                    assertTrue(sinks > 0, which + ": the planted visual sinks must be found for VAR to act");
                }
                alone.close();
                unshared.close();
                sharing.close();
            }
        }
    }

    private static String prompt(JsonObject sample) {
        return (sample.has("prompt_text") ? sample.get("prompt_text") : sample.get("prompt")).getAsString();
    }

    /** One batch's hooks: VAR (evaluation's, not recording) chained with the grounding probe, or the probe alone. */
    private static final class Run implements AutoCloseable {
        final List<VarHook> vars = new ArrayList<>();
        final List<LastTokenImageAttention> probes = new ArrayList<>();
        final List<AttentionHook> hooks = new ArrayList<>();
        /** Where each prompt's prefill pass that its hooks saw started: 0, or the shared prefix's length. */
        final int[] prefillStart;

        Run(NDManager m, Lmm model, VarParams params, boolean var, int b) {
            prefillStart = new int[b];
            for (int i = 0; i < b; i++) {
                LastTokenImageAttention probe = new LastTokenImageAttention(model.numLayers(), null, List.of());
                VarHook v = var ? new VarHook(m, params, false) : null;
                probes.add(probe);
                if (v != null) {
                    vars.add(v);
                }
                int row = i;
                AttentionHook start = new AttentionHook() {
                    @Override
                    public int prefillRowsFrom(ForwardStep step) {
                        return Integer.MAX_VALUE;
                    }

                    @Override
                    public void onStep(ForwardStep step) {
                        if (step.isPrefill()) {
                            prefillStart[row] = step.queryStart();
                        }
                    }
                };
                hooks.add(AttentionHook.chain(AttentionHook.chain(v, probe), start));
            }
        }

        @Override
        public void close() {
            vars.forEach(VarHook::close);
        }
    }

    /**
     * Which prompts share: a hook that acts on every prefill row (one that says nothing, a {@link Capture}, VAR
     * recording its masks, a score edit such as PAI's) keeps its prompt out, and the others still share; a hook that
     * acts only while decoding does not; prompts with other images, or a different prefix before the image, share nothing.
     */
    @Test
    void fallBackDecision() throws Exception {
        Torch.configure(2);
        Path golden = Golden.llava();
        try (Lmm model = Families.load(golden, Device.cpu(), DataType.FLOAT32); NDManager m = model.newSampleManager()) {
            JsonObject sample = Golden.manifest(golden).getAsJsonArray("samples").get(0).getAsJsonObject();
            String prompt = prompt(sample);
            var image = ImageIO.read(golden.resolve(sample.get("image_file").getAsString()).toFile());
            Inputs in = model.encode(m, prompt, image, ImageOptions.DEFAULT);
            NDArray features = model.imageFeatures(m, in);
            List<Merged> merged = new ArrayList<>();
            for (String tail : List.of("", " Answer briefly.", " Answer in one word.", " Say yes or no.")) {
                merged.add(model.merge(m, model.encode(m, prompt + tail, image, ImageOptions.DEFAULT), features));
            }
            int n = model.numLayers();
            AttentionHook everyRow = new AttentionHook() {};
            AttentionHook decodeOnly = new AttentionHook() {
                @Override
                public boolean actsOn(ForwardStep step) {
                    return !step.isPrefill();
                }
            };
            AttentionHook scores = new AttentionHook() {
                @Override
                public boolean editsScores() {
                    return true;
                }
            };
            try (Capture capture = new Capture(m, true, true); VarHook recording = new VarHook(m, VarParams.official(new int[] {1, 2}), true)) {
                assertEquals(List.of(), groups(merged, n, everyRow, everyRow, everyRow, everyRow), "hooks on every row: no sharing");
                assertEquals(List.of(List.of(1, 2)), groups(merged, n, capture, decodeOnly, null, scores), "Capture and a score edit keep their prompts out");
                assertEquals(List.of(List.of(0, 2, 3)), groups(merged, n, null, recording, decodeOnly, null), "VAR recording its masks keeps its prompt out");
                assertEquals(List.of(List.of(0, 1, 2, 3)), groups(merged, n, null, null, null, null), "all four share");
            }
            // the same questions about another image: nothing in common with the first before the image ends
            Merged otherImage = model.merge(m, in, model.imageFeatures(m, model.encode(m, prompt, flipped(image), ImageOptions.DEFAULT)));
            assertEquals(0, SharedPrefixes.plan(List.of(merged.get(0), otherImage), Collections.nCopies(2, null), n).size(), "other image");
            assertTrue(SharedPrefixes.commonPrefix(merged.get(0), otherImage) < merged.get(0).imageEnd(), "the prefixes part inside the image");
            // a different system text before the image
            Merged otherText = model.merge(m, model.encode(m, "SYSTEM: be brief. " + prompt, image, ImageOptions.DEFAULT), features);
            assertEquals(0, SharedPrefixes.plan(List.of(merged.get(0), otherText), Collections.nCopies(2, null), n).size(), "other text before the image");
        }
    }

    private static List<List<Integer>> groups(List<Merged> merged, int layers, AttentionHook... hooks) {
        List<List<Integer>> out = new ArrayList<>();
        for (SharedPrefixes.Group g : SharedPrefixes.plan(merged, java.util.Arrays.asList(hooks), layers)) {
            out.add(java.util.Arrays.stream(g.rows()).boxed().toList());
        }
        return out;
    }

    private static java.awt.image.BufferedImage flipped(java.awt.image.BufferedImage image) {
        var out = new java.awt.image.BufferedImage(image.getWidth(), image.getHeight(), java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                out.setRGB(image.getWidth() - 1 - x, y, image.getRGB(x, y));
            }
        }
        return out;
    }
}
