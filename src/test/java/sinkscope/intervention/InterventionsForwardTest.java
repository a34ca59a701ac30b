package sinkscope.intervention;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.AttentionHook;
import sinkscope.model.ForwardStep;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.Lmm;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;

/**
 * PAI's attention amplification and VAF inside the real forward pass of the golden Qwen2-VL, Qwen2.5-VL and LLaVA-NeXT
 * checkpoints (LLaVA-1.5's are {@link PaiAttentionGoldenTest} and {@link VafGoldenTest}),
 * through the registry (defaults from conf/interventions, layer ranges scaled to the 4-layer models): at prefill and at
 * every decode step, the scores softmax reads differ from the scores the intervention was handed exactly where its
 * official code edits them (PAI: the last query row's image keys in layers [start, end), as a + alpha |a|, the prefill
 * too when first = 1 or, with first absent, when guidance is off (the code's rule); VAF: the rows after the image at prefill and every decode row, image keys x enh, keys before the
 * image x sup, in its layers), by exactly that formula, and nowhere else; the answer's logits move. Batched with a prompt
 * of another length (left padding) each sample sees the same scores and gets the same tokens as alone.
 */
class InterventionsForwardTest {

    /** Records, per call, the scores handed to the intervention and the ones it returned (float copies). */
    private static final class Recorder implements AttentionHook {
        record Call(int layer, ForwardStep step, long[] shape, float[] before, float[] after) {}

        private final AttentionHook inner;
        final List<Call> calls = new ArrayList<>();

        Recorder(AttentionHook inner) {
            this.inner = inner;
        }

        @Override
        public boolean editsScores() {
            return true;
        }

        @Override
        public NDArray onScores(int layer, NDArray s, ForwardStep step) {
            float[] before = s.toFloatArray();
            NDArray out = inner.onScores(layer, s, step);
            calls.add(new Call(layer, step, s.getShape().getShape(), before, out.toFloatArray()));
            return out;
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"qwen2-vl-tiny-a, pai", "qwen2-vl-tiny-a, pai_first0_alpha0.5", "qwen2-vl-tiny-a, vaf", "llava-next-tiny-a, pai_first1", "qwen2-vl-tiny-a, pai_guidance0",
            "llava-next-tiny-a, vaf_enh1.5_start0_end4", "qwen2_5-vl-tiny-a, vaf", "qwen2_5-vl-tiny-a, pai"})
    void editsExactlyWhatTheOfficialCodeEdits(String which, String config) throws Exception {
        Torch.configure(2);
        Path golden = which.startsWith("qwen2_5") ? Golden.qwen25Vl() : which.startsWith("qwen") ? Golden.qwen2Vl() : Golden.llavaNext();
        Path dir = which.startsWith("qwen2_5") ? Golden.qwen25VlCheckpoint() : which.startsWith("qwen") ? golden : Golden.llavaNextCheckpoint("llama");
        JsonObject manifest = Golden.manifest(golden);
        Settings settings = GoldenRun.settings(config);
        Intervention intervention = settings.intervention();
        try (Lmm model = Families.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = model.newSampleManager()) {
            int layers = model.numLayers();
            intervention.check(settings, layers);
            Context context = new Context(m, layers, new int[] {0}, 1e9, "q");
            List<Inputs> inputs = prompts(model, m, manifest, golden);
            GenerateOptions opts = new GenerateOptions(4, false, 16);

            List<Recorder> alone = new ArrayList<>();
            List<Generation> aloneGen = new ArrayList<>();
            for (Inputs in : inputs) {
                Recorder r = new Recorder(intervention.hook(settings, context));
                aloneGen.add(model.generate(m, in, opts, r));
                alone.add(r);
            }
            Generation base = model.generate(m, inputs.get(0), opts, null);

            int[] range = settings.layerRange("start", "end", layers);
            long edited = 0;
            for (Recorder r : alone) {
                assertEquals(layers * 4, r.calls.size(), "every layer at prefill and at each of the 3 decode steps");
                for (Recorder.Call c : r.calls) {
                    edited += check(intervention.name(), settings, range, c);
                }
            }
            assertTrue(edited > 0, config + " edits something");
            boolean moved = false;
            for (int t = 0; t < base.tokens().length; t++) {
                moved |= !java.util.Arrays.equals(base.topValues()[t], aloneGen.get(0).topValues()[t]);
            }
            assertTrue(moved, config + " moves the logits");

            List<Recorder> batch = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                batch.add(new Recorder(intervention.hook(settings, context)));
            }
            List<Generation> batched = model.generate(m, inputs, Collections.nCopies(inputs.size(), null), Collections.nCopies(inputs.size(), opts),
                    new ArrayList<>(batch));
            for (int i = 0; i < inputs.size(); i++) {
                assertArrayEquals(aloneGen.get(i).tokens(), batched.get(i).tokens(), config + " sample " + i + " tokens batched");
                for (int t = 0; t < aloneGen.get(i).tokens().length; t++) {
                    Allclose.assertClose(config + " sample " + i + " step " + t + " top logits", batched.get(i).topValues()[t],
                            aloneGen.get(i).topValues()[t], 1e-5, 1e-5);
                }
                assertEquals(alone.get(i).calls.size(), batch.get(i).calls.size());
                for (int k = 0; k < alone.get(i).calls.size(); k++) {
                    Recorder.Call a = alone.get(i).calls.get(k);
                    Recorder.Call b = batch.get(i).calls.get(k);
                    assertArrayEquals(a.shape(), b.shape(), config + " sample " + i + " call " + k + " shape (pad keys cut off)");
                    Allclose.assertClose(config + " sample " + i + " call " + k + " edited scores", b.after(), a.after(), 1e-5, 1e-5);
                }
            }
        }
    }

    /** Checks one call element by element; returns how many scores it edited. */
    private static long check(String method, Settings s, int[] range, Recorder.Call c) {
        long[] sh = c.shape();
        int h = (int) sh[1];
        int q = (int) sh[2];
        int k = (int) sh[3];
        ForwardStep st = c.step();
        assertEquals(1, sh[0]);
        assertEquals(st.keyLength(), k, "keys of this sample only");
        boolean layerOn = c.layer() >= range[0] && c.layer() < range[1];
        long edited = 0;
        for (int hi = 0; hi < h; hi++) {
            for (int qi = 0; qi < q; qi++) {
                for (int ki = 0; ki < k; ki++) {
                    int at = (hi * q + qi) * k + ki;
                    float a = c.before()[at];
                    float want = a;
                    boolean image = ki >= st.imageStart() && ki < st.imageEnd();
                    if (layerOn && method.equals("pai")) {
                        boolean on = qi == q - 1 && image && (!st.isPrefill() || (s.has("first") ? s.value("first") == 1 : s.value("guidance") == 0));
                        if (on) {
                            want = a + Math.abs(a) * (float) s.value("alpha");
                        }
                    } else if (layerOn && method.equals("vaf")) {
                        int from = q > st.imageEnd() ? st.imageEnd() - st.queryStart() : 0;
                        if (qi >= from && image) {
                            want = a * (float) s.value("enh");
                        } else if (qi >= from && ki < st.imageStart()) {
                            want = a * (float) s.value("sup");
                        }
                    }
                    float got = c.after()[at];
                    if (want != a) {
                        edited++;
                    }
                    assertEquals(want, got, Math.abs(want) * 1e-6f + 1e-30f, method + " layer " + c.layer() + " step " + st.index() + " head " + hi
                            + " row " + qi + " key " + ki);
                }
            }
        }
        return edited;
    }

    /** The manifest's first sample's image with its question and with a longer one: two prompt lengths. */
    private static List<Inputs> prompts(Lmm model, NDManager m, JsonObject manifest, Path golden) throws Exception {
        List<Inputs> out = new ArrayList<>();
        for (JsonElement e : manifest.getAsJsonArray("samples")) {
            JsonObject s = e.getAsJsonObject();
            if (s.has("decoder") && !s.get("decoder").getAsString().equals("llama")) {
                continue;
            }
            String prompt = (s.has("prompt_text") ? s.get("prompt_text") : s.get("prompt")).getAsString();
            var image = ImageIO.read(golden.resolve(s.get("image_file").getAsString()).toFile());
            out.add(model.encode(m, prompt, image, ImageOptions.DEFAULT));
            out.add(model.encode(m, prompt.replace("?", ", and where is it? Answer briefly in words?"), image, ImageOptions.DEFAULT));
            return out;
        }
        throw new IllegalStateException(golden + ": no sample");
    }
}
