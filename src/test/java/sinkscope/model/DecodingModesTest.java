package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sinkscope.Golden;
import sinkscope.model.auto.Families;
import sinkscope.model.decoding.BeamSearch;
import sinkscope.model.decoding.Decoding;
import sinkscope.model.decoding.Draws;
import sinkscope.model.decoding.PaiGuidance;
import sinkscope.model.decoding.Vcd;

/**
 * The decoding modes and contrast inputs end to end. On llava-tiny-a, beam search against transformers 5.18's own
 * ({@code golden/decoding/beam_llava-tiny-a.json}: 1, 3 and 4 beams, length penalties 1 and 0.5, an EOS that
 * finishes hypotheses), alone and batched. On every family (LLaVA-1.5, LLaVA-NeXT, Qwen2-VL, Qwen2.5-VL): one beam equals greedy,
 * sampling at temperature -> 0 equals greedy, seeded sampling repeats itself and differs from greedy, three beams equal a
 * reference beam search that recomputes every hypothesis from a fresh prefill (no cache reorder), VCD's and PAI's first
 * token is the argmax of the rule applied to separately computed prefill logits, and every mode with and without a
 * contrast gives the same tokens alone and batched (prompts of different lengths, text-only contrasts padded).
 */
class DecodingModesTest {

    @Test
    void beamSearchMatchesTransformers() throws Exception {
        Torch.configure(2);
        Path dir = Golden.llava();
        JsonObject manifest = Golden.manifest(dir);
        JsonObject ref = JsonParser.parseString(Files.readString(Path.of("src/test/resources/golden/decoding/beam_llava-tiny-a.json"))).getAsJsonObject();
        try (Lmm base = Families.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = base.newSampleManager()) {
            List<Inputs> inputs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (JsonElement e : manifest.getAsJsonArray("samples")) {
                JsonObject s = e.getAsJsonObject();
                try (SafeTensors t = SafeTensors.open(dir.resolve(s.get("tensors_file").getAsString()))) {
                    inputs.add(base.encode(m, s.get("prompt").getAsString(), t.load(m, "pixel_values"), null));
                    ids.add(s.get("id").getAsString());
                }
            }
            int cases = 0;
            for (JsonElement e : ref.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                int sample = ids.indexOf(c.get("sample").getAsString());
                long eos = c.get("eos_token_id").getAsLong();
                Lmm model = withEos(base, eos);
                GenerateOptions opts = new GenerateOptions(c.get("max_new_tokens").getAsInt(), true, 0, false,
                        Decoding.beam(c.get("num_beams").getAsInt(), c.get("length_penalty").getAsDouble()));
                long[] expect = c.getAsJsonArray("tokens").asList().stream().mapToLong(JsonElement::getAsLong).toArray();
                String at = c.toString();
                assertArrayEquals(expect, model.generate(m, inputs.get(sample), opts, null).tokens(), at + " alone");
                // batched beside the other sample, which runs greedy
                int other = 1 - sample;
                List<Generation> both = model.generate(m, List.of(inputs.get(other), inputs.get(sample)), java.util.Arrays.asList(null, null),
                        List.of(new GenerateOptions(3, true, 0), opts), java.util.Arrays.asList(null, null));
                assertArrayEquals(expect, both.get(1).tokens(), at + " batched");
                assertArrayEquals(model.generate(m, inputs.get(other), new GenerateOptions(3, true, 0), null).tokens(), both.get(0).tokens(),
                        at + " the greedy neighbour");
                cases++;
            }
            assertEquals(8, cases, "reference cases");
        }
    }

    /** {@code model} with {@code eos} as its only EOS id (the reference's forced EOS). */
    private static Lmm withEos(Lmm model, long eos) {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("isEos")) {
                return (Long) args[0] == eos;
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            try {
                return method.invoke(model, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Lmm) Proxy.newProxyInstance(Lmm.class.getClassLoader(), new Class<?>[] {Lmm.class}, h);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llava-tiny-a", "llava-next-tiny-a", "qwen2-vl-tiny-a", "qwen2_5-vl-tiny-a"})
    void modesAgreeOnEveryFamily(String which) throws Exception {
        Torch.configure(2);
        Path golden = switch (which) {
            case "llava-tiny-a" -> Golden.llava();
            case "qwen2-vl-tiny-a" -> Golden.qwen2Vl();
            case "qwen2_5-vl-tiny-a" -> Golden.qwen25Vl();
            default -> Golden.llavaNext();
        };
        Path dir = switch (which) {
            case "llava-next-tiny-a" -> Golden.llavaNextCheckpoint("llama");
            case "qwen2_5-vl-tiny-a" -> Golden.qwen25VlCheckpoint();
            default -> golden;
        };
        JsonObject config = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        long[] imageIds = config.has("vision_start_token_id")
                ? new long[] {config.get("vision_start_token_id").getAsLong(), config.get("image_token_id").getAsLong(), config.get("vision_end_token_id").getAsLong()}
                : new long[] {config.get("image_token_index").getAsLong()};
        try (Lmm model = Families.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = model.newSampleManager()) {
            List<Inputs> inputs = new ArrayList<>();
            for (JsonElement e : Golden.manifest(golden).getAsJsonArray("samples")) {
                JsonObject s = e.getAsJsonObject();
                if (s.has("decoder") && !s.get("decoder").getAsString().equals("llama") || inputs.size() == 2) {
                    continue;
                }
                String prompt = (s.has("prompt_text") ? s.get("prompt_text") : s.get("prompt")).getAsString();
                var image = ImageIO.read(golden.resolve(s.get("image_file").getAsString()).toFile());
                inputs.add(model.encode(m, inputs.isEmpty() ? prompt : prompt.replace("?", ", and where is it? Answer briefly?"), image, ImageOptions.DEFAULT));
            }
            int n = 5;
            List<NDArray> none = Collections.nCopies(2, null);
            List<AttentionHook> noHooks = Collections.nCopies(2, null);
            GenerateOptions base = new GenerateOptions(n, false, 0);
            long[][] greedy = new long[2][];
            for (int i = 0; i < 2; i++) {
                greedy[i] = model.generate(m, inputs.get(i), base, null).tokens();
                assertEquals(n, greedy[i].length);
                String at = which + " sample " + i + ": ";
                assertArrayEquals(greedy[i], model.generate(m, inputs.get(i), base.with(Decoding.beam(1)), null).tokens(), at + "1 beam == greedy");
                assertArrayEquals(greedy[i], model.generate(m, inputs.get(i), base.with(Decoding.sample(1e-4, 0, 1, i)), null).tokens(),
                        at + "temperature -> 0 == greedy");
            }
            check(which + " 1 beam batched", model, m, inputs, none, noHooks, List.of(base.with(Decoding.beam(1)), base.with(Decoding.beam(1))), null, greedy);

            // seeded sampling: repeatable, not greedy, alone == batched
            List<GenerateOptions> sampling = List.of(base.with(Decoding.sample(1.0, 50, 0.95, 11)), base.with(Decoding.sample(1.3, 0, 0.9, 12)));
            long[][] sampled = alone(model, m, inputs, sampling, null);
            assertArrayEquals(sampled[0], alone(model, m, inputs, sampling, null)[0], which + ": a seed repeats its draws");
            assertFalse(java.util.Arrays.equals(sampled[0], greedy[0]) && java.util.Arrays.equals(sampled[1], greedy[1]), which + ": sampling never left greedy");
            check(which + " sampling", model, m, inputs, none, noHooks, sampling, null, sampled);

            // three beams: alone == batched == a reference search without any cache reorder
            List<GenerateOptions> beams = List.of(base.with(Decoding.beam(3)), base.with(Decoding.beam(3, 0.5)));
            long[][] beamed = alone(model, m, inputs, beams, null);
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(referenceBeams(model, m, inputs.get(i), beams.get(i)), beamed[i], which + " sample " + i + " beams vs fresh recomputation");
            }
            check(which + " beams", model, m, inputs, none, noHooks, beams, null, beamed);

            // VCD: the same prompt with the image noised; greedy and the official sampling
            List<Contrast> vcd = List.of(Contrast.vcd(m, inputs.get(0), Vcd.OFFICIAL, Vcd.NOISE_STEP, Draws.seeded(3)),
                    Contrast.vcd(m, inputs.get(1), new Vcd(0.5, 0.1), Vcd.NOISE_STEP, Draws.seeded(4)));
            firstTokenFollowsTheRule(which + " vcd", model, m, inputs, vcd);
            check(which + " vcd greedy", model, m, inputs, none, noHooks, List.of(base, base), vcd, alone(model, m, inputs, List.of(base, base), vcd));
            List<GenerateOptions> official = List.of(base.with(Vcd.OFFICIAL_SAMPLING), base.with(Decoding.sample(1, 50, 1, 56)));
            check(which + " vcd sampling", model, m, inputs, none, noHooks, official, vcd, alone(model, m, inputs, official, vcd));

            // a contrast on the same pixel values shares the image features; VCD with alpha 0 is the main logits with a cutoff
            // that never removes the argmax: greedy, alone and batched, with and without beams
            List<Contrast> same = List.of(new Contrast(inputs.get(0), new Vcd(0, 0.5), true), new Contrast(inputs.get(1), new Vcd(0, 0.5), true));
            check(which + " same-image contrast", model, m, inputs, none, noHooks, List.of(base, base), same, greedy);
            assertArrayEquals(greedy[0], alone(model, m, inputs, List.of(base, base), same)[0], which + ": same-image contrast alone");
            List<Contrast> open = List.of(new Contrast(inputs.get(0), new Vcd(0, 1e-30), true), new Contrast(inputs.get(1), new Vcd(0, 1e-30), true));
            check(which + " same-image contrast, beams (no cutoff)", model, m, inputs, none, noHooks, beams, open, beamed);

            // PAI's guidance: the text-only prompt (another length: it pads in the batch); greedy and beams
            List<Contrast> pai = List.of(Contrast.pai(inputs.get(0), PaiGuidance.OFFICIAL, imageIds), Contrast.pai(inputs.get(1), new PaiGuidance(1.5), imageIds));
            assertEquals(inputs.get(0).inputIds().length - (imageIds.length == 1 ? 1 : inputs.get(0).numImageTokens() + 2), pai.get(0).inputs().inputIds().length,
                    which + ": the text-only prompt drops the image ids");
            firstTokenFollowsTheRule(which + " pai", model, m, inputs, pai);
            check(which + " pai greedy", model, m, inputs, none, noHooks, List.of(base, base), pai, alone(model, m, inputs, List.of(base, base), pai));
            check(which + " pai beams", model, m, inputs, none, noHooks, beams, pai, alone(model, m, inputs, beams, pai));
        }
    }

    private static long[][] alone(Lmm model, NDManager m, List<Inputs> inputs, List<GenerateOptions> opts, List<Contrast> contrasts) {
        long[][] out = new long[inputs.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = model.generate(m, inputs.get(i), null, opts.get(i), null, contrasts == null ? null : contrasts.get(i)).tokens();
        }
        return out;
    }

    private static void check(String what, Lmm model, NDManager m, List<Inputs> inputs, List<NDArray> features, List<AttentionHook> hooks,
            List<GenerateOptions> opts, List<Contrast> contrasts, long[][] expect) {
        List<Generation> batched = model.generate(m, inputs, features, opts, hooks, contrasts);
        for (int i = 0; i < expect.length; i++) {
            assertArrayEquals(expect[i], batched.get(i).tokens(), what + ": sample " + i + " batched == alone");
        }
    }

    /** The first generated token is the argmax of the rule over the prefill logits of the main and contrast inputs. */
    private static void firstTokenFollowsTheRule(String what, Lmm model, NDManager m, List<Inputs> inputs, List<Contrast> contrasts) {
        for (int i = 0; i < inputs.size(); i++) {
            try (NDManager s = m.newSubManager(); KvCache a = new KvCache(model.numLayers()); KvCache b = new KvCache(model.numLayers())) {
                Inputs in = inputs.get(i);
                Inputs cin = contrasts.get(i).inputs();
                NDArray l = model.prefill(s, model.merge(s, in, model.imageFeatures(s, in)), a, null).lastLogits().expandDims(0);
                NDArray lc = model.prefill(s, model.merge(s, cin, cin.pixelValues() == null ? null : model.imageFeatures(s, cin)), b, null).lastLogits()
                        .expandDims(0);
                long expect = contrasts.get(i).rule().apply(l, lc).argMax(1).getLong(0);
                assertTrue(l.sub(lc).abs().max().getFloat() > 1e-3, what + ": the contrast input's logits differ from the main input's");
                long got = model.generate(m, in, null, new GenerateOptions(1, false, 0), null, contrasts.get(i)).tokens()[0];
                assertEquals(expect, got, what + " sample " + i + " first token");
            }
        }
    }

    /** Beam search whose every hypothesis is recomputed from a fresh prefill and forced decode steps (no cache reorder). */
    private static long[] referenceBeams(Lmm model, NDManager m, Inputs in, GenerateOptions opts) {
        Decoding d = opts.decoding();
        BeamSearch search = new BeamSearch(d.numBeams(), d.lengthPenalty(), opts.maxNewTokens(), opts.stopAtEos(), model::isEos,
                model.config().text().eosTokenIds().length);
        List<long[]> hyps = new ArrayList<>(List.of(new long[0]));
        while (!search.done()) {
            try (NDManager s = m.newSubManager()) {
                NDList rows = new NDList();
                for (long[] h : hyps) {
                    KvCache cache = new KvCache(model.numLayers());
                    Merged merged = model.merge(s, in, model.imageFeatures(s, in));
                    NDArray logits = model.prefill(s, merged, cache, null).lastLogits();
                    for (int t = 0; t < h.length; t++) {
                        logits = model.decode(s, h[t], cache, t, merged, null);
                    }
                    rows.add(logits.logSoftmax(0));
                    cache.close();
                }
                int[] source = search.step(NDArrays.stack(rows));
                long[] last = search.lastTokens();
                List<long[]> next = new ArrayList<>();
                for (int j = 0; j < source.length; j++) {
                    long[] h = java.util.Arrays.copyOf(hyps.get(source[j]), hyps.get(source[j]).length + 1);
                    h[h.length - 1] = last[j];
                    next.add(h);
                }
                hyps = next;
            }
        }
        return search.best();
    }
}
