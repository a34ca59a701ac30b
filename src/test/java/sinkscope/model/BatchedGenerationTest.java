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
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.auto.Families;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/**
 * Batched generation ({@link BatchedPrompts}: left padding, per-sample positions and hooks) against each sample run
 * alone, on every golden checkpoint: LLaVA-1.5, LLaVA-NeXT with LLaMA and with Mistral's sliding window (prompts longer
 * than the window), Qwen2-VL and Qwen2.5-VL (multimodal positions, rope deltas). The prompts of one batch differ in
 * length (images of other sizes, other questions), so every batch pads. With VAR recording inside the forward pass
 * (the planted sinks make it act): tokens, VAR's masks at prefill and at every decode step identical; top-16 logits,
 * the hidden states entering every layer and the attention VAR left within 1e-5 (float32: only the batched kernels'
 * summation order differs). Then EOS-stopping generation with a different budget per sample: tokens identical.
 */
class BatchedGenerationTest {

    private record Case(Path checkpoint, JsonObject manifest, List<Inputs> inputs) {}

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llava-tiny-a", "llava-next-tiny-a", "llava-next-tiny-a/mistral", "qwen2-vl-tiny-a", "qwen2_5-vl-tiny-a"})
    void batchedEqualsUnbatched(String which) throws Exception {
        Torch.configure(2);
        Golden.Case c = Golden.Case.of(which);
        Path golden = c.golden();
        Path dir = c.checkpoint();
        JsonObject manifest = c.manifest();
        int[] dims = c.sinkDims();
        double tau = c.tau();
        VarParams params = VarParams.official(dims).withTau(tau);
        String decoder = which.endsWith("mistral") ? "mistral" : "llama";
        try (Lmm model = Families.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = model.newSampleManager()) {
            List<Inputs> inputs = new ArrayList<>();
            for (JsonElement e : manifest.getAsJsonArray("samples")) {
                JsonObject s = e.getAsJsonObject();
                if (s.has("decoder") && !s.get("decoder").getAsString().equals(decoder)) {
                    continue;
                }
                String prompt = (s.has("prompt_text") ? s.get("prompt_text") : s.get("prompt")).getAsString();
                var image = ImageIO.read(golden.resolve(s.get("image_file").getAsString()).toFile());
                inputs.add(model.encode(m, prompt, image, ImageOptions.DEFAULT));
                // the same image with a longer question: another length in the batch
                inputs.add(model.encode(m, prompt.replace("?", ", and where is it? Answer briefly in words?"), image, ImageOptions.DEFAULT));
            }
            int b = inputs.size();
            int[] lengths = new int[b];

            List<Generation> alone = new ArrayList<>();
            List<Capture> aloneCaptures = new ArrayList<>();
            List<VarHook> aloneVar = new ArrayList<>();
            GenerateOptions opts = new GenerateOptions(6, false, 16);
            for (int i = 0; i < b; i++) {
                VarHook var = new VarHook(m, params, true);
                Capture after = new Capture(m, true, true);
                alone.add(model.generate(m, inputs.get(i), opts, AttentionHook.chain(var, after)));
                aloneVar.add(var);
                aloneCaptures.add(after);
                lengths[i] = (int) after.layerInputs().get(0).getShape().get(1);
            }
            assertTrue(java.util.Arrays.stream(lengths).distinct().count() > 1, which + ": prompts of one length would not pad: " + java.util.Arrays.toString(lengths));
            if (which.endsWith("mistral")) {
                assertTrue(java.util.Arrays.stream(lengths).min().getAsInt() > model.config().text().slidingWindow(), "prompts longer than the window");
            }

            List<VarHook> batchVar = new ArrayList<>();
            List<Capture> batchCaptures = new ArrayList<>();
            List<AttentionHook> hooks = new ArrayList<>();
            List<NDArray> features = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                VarHook var = new VarHook(m, params, true);
                Capture after = new Capture(m, true, true);
                batchVar.add(var);
                batchCaptures.add(after);
                hooks.add(AttentionHook.chain(var, after));
                features.add(null);
            }
            List<Generation> batched = model.generate(m, inputs, features, java.util.Collections.nCopies(b, opts), hooks);

            long acted = 0;
            for (int i = 0; i < b; i++) {
                String at = which + " sample " + i + " (length " + lengths[i] + ")";
                Generation one = alone.get(i);
                Generation many = batched.get(i);
                assertArrayEquals(one.tokens(), many.tokens(), at + " tokens");
                assertEquals(one.promptLength(), many.promptLength(), at + " prompt length");
                for (int t = 0; t < one.tokens().length; t++) {
                    assertArrayEquals(one.topIds()[t], many.topIds()[t], at + " step " + t + " top-16 ids");
                    Allclose.assertClose(at + " step " + t + " top-16 logits", many.topValues()[t], one.topValues()[t], 1e-5, 1e-5);
                }
                VarHook v1 = aloneVar.get(i);
                VarHook vb = batchVar.get(i);
                assertArrayEquals(v1.sinkMask().toUint8Array(), vb.sinkMask().toUint8Array(), at + " sink_mask");
                assertArrayEquals(v1.headforkMask().toUint8Array(), vb.headforkMask().toUint8Array(), at + " headfork_mask");
                assertArrayEquals(v1.varRowsMask().toUint8Array(), vb.varRowsMask().toUint8Array(), at + " var_rows_mask");
                assertEquals(v1.decodeSteps(), vb.decodeSteps(), at + " decode steps seen by VAR");
                assertArrayEquals(v1.decodeHeadforkMask().toUint8Array(), vb.decodeHeadforkMask().toUint8Array(), at + " decode headfork_mask");
                assertArrayEquals(v1.decodeVarRowsMask().toUint8Array(), vb.decodeVarRowsMask().toUint8Array(), at + " decode var_rows_mask");
                acted += v1.varRowsMask().toType(DataType.INT64, false).sum().getLong();
                Capture c1 = aloneCaptures.get(i);
                Capture cb = batchCaptures.get(i);
                assertEquals(c1.layerInputs().size(), cb.layerInputs().size(), at + " layers captured");
                for (int l = 0; l < c1.layerInputs().size(); l++) {
                    assertEquals(c1.layerInputs().get(l).getShape(), cb.layerInputs().get(l).getShape(), at + " layer " + l + " hidden shape");
                    assertEquals(c1.attentions().get(l).getShape(), cb.attentions().get(l).getShape(), at + " layer " + l + " attention shape");
                    Allclose.assertClose(at + " layer " + l + " hidden", cb.layerInputs().get(l).toFloatArray(), c1.layerInputs().get(l).toFloatArray(), 1e-5, 1e-5);
                    Allclose.assertClose(at + " layer " + l + " attention after VAR", cb.attentions().get(l).toFloatArray(),
                            c1.attentions().get(l).toFloatArray(), 1e-5, 1e-5);
                }
            }
            assertTrue(acted > 0, which + ": VAR must rewrite rows on the planted sinks");

            // EOS stops and a different budget per sample: the samples leave the batch at different steps
            List<GenerateOptions> budgets = new ArrayList<>();
            List<Generation> aloneStops = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                GenerateOptions o = new GenerateOptions(1 + i % 4 * 2, true, 0);
                budgets.add(o);
                aloneStops.add(model.generate(m, inputs.get(i), o, null));
            }
            List<Generation> batchStops = model.generate(m, inputs, features, budgets, java.util.Collections.nCopies(b, null));
            for (int i = 0; i < b; i++) {
                assertArrayEquals(aloneStops.get(i).tokens(), batchStops.get(i).tokens(), which + " sample " + i + " tokens with budget "
                        + budgets.get(i).maxNewTokens());
            }
            aloneVar.forEach(VarHook::close);
            batchVar.forEach(VarHook::close);
            aloneCaptures.forEach(Capture::close);
            batchCaptures.forEach(Capture::close);
        }
    }
}
