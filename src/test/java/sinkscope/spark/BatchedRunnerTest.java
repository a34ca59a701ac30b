package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sinkscope.Allclose;
import sinkscope.Golden;

/**
 * {@code --batch-size} in the runner: a batch of samples of different prompt lengths and images, one of them with a
 * missing image, through {@link ModelSampleRunner#extract(List, ExtractOptions)} and
 * {@link ModelSampleRunner#predict(List, EvalConfig, List)} gives each sample what it gives alone: the bad sample's
 * error (stage {@code image}) and, for the others, the same answers and sink flags under every configuration kind,
 * and sink scores, head ratios, grounding and attention rows within 1e-5 (float32; the batched kernels sum in
 * another order). PAI's text-only prompts and VCD's noised images join the batch as rows of their own; VCD samples from
 * each sample's own seed, so batched and alone draw alike. On LLaVA-1.5 (1-D positions) and Qwen2-VL (multimodal positions, images of other sizes).
 */
class BatchedRunnerTest {
    private static final List<String> CONFIGS = List.of("baseline", "var", "ablate_sinks", "ablate_random", "pai", "vcd");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llava-tiny-a", "qwen2-vl-tiny-a"})
    void batchedSamplesEqualSamplesAlone(String which) throws Exception {
        Path model = which.startsWith("qwen") ? Golden.qwen2Vl() : Golden.llava();
        List<Integer> dims = which.startsWith("qwen") ? List.of(11, 6) : List.of(7, 41);
        double tau = which.startsWith("qwen") ? 3.0 : 4.0;
        List<SampleInput> samples = new ArrayList<>();
        Path images = model.resolve("images");
        List<String> files;
        try (var s = java.nio.file.Files.list(images)) {
            files = s.map(p -> p.getFileName().toString()).sorted().limit(3).toList();
        }
        String[] questions = {"Is there a red circle in the image?", "What is shown?", "Is there a blue square to the left of the green triangle?"};
        for (int i = 0; i < files.size(); i++) {
            samples.add(new SampleInput("q" + i, i + 1, images.resolve(files.get(i)).toString(), null, questions[i], "yes", "test", "circle",
                    i == 0 ? new double[] {0, 0, 20, 20} : null));
            if (i == 0) {
                samples.add(new SampleInput("bad", 9, images.resolve("no-such-image.png").toString(), null, questions[0], "yes", "test", null, null));
            }
        }
        ExtractOptions options = new ExtractOptions(List.of(1, 2), Double.NaN, 0.2, 0.5);
        try (ModelSampleRunner runner = new ModelSampleRunner(new RunnerSpec(RunnerSpec.DEFAULT_FACTORY, model.toString(), "auto", 1, dims, tau,
                "model", 5), DeviceAssignment.cpu(1))) {
            List<SampleRunner.Outcome<ExtractResult>> batched = runner.extract(samples, options);
            assertEquals(samples.size(), batched.size());
            for (int i = 0; i < samples.size(); i++) {
                String at = which + " extract " + samples.get(i).questionId();
                SampleRunner.Outcome<ExtractResult> b = batched.get(i);
                if (samples.get(i).questionId().equals("bad")) {
                    assertNull(b.value(), at);
                    assertEquals("image", b.error().stage(), at + " error stage");
                    continue;
                }
                assertNull(b.error(), at);
                ExtractResult one = runner.extract(samples.get(i), options);
                ExtractResult many = b.value();
                assertEquals(one.seqLen(), many.seqLen(), at + " sequence length");
                assertEquals(one.tokens().size(), many.tokens().size(), at + " token rows");
                for (int t = 0; t < one.tokens().size(); t++) {
                    assertEquals(one.tokens().get(t).isSink(), many.tokens().get(t).isSink(), at + " token row " + t + " sink");
                    assertEquals(one.tokens().get(t).phi(), many.tokens().get(t).phi(), 1e-5 * Math.max(1, Math.abs(one.tokens().get(t).phi())), at + " phi " + t);
                }
                assertEquals(one.heads().size(), many.heads().size(), at + " head rows");
                for (int h = 0; h < one.heads().size(); h++) {
                    assertEquals(one.heads().get(h).imageAttention(), many.heads().get(h).imageAttention(), 1e-5, at + " head row " + h);
                    assertEquals(one.heads().get(h).imageCentric(), many.heads().get(h).imageCentric(), at + " head row " + h + " image-centric");
                }
                assertRows(at, one.attention(), many.attention());
            }
            for (String c : CONFIGS) {
                EvalConfig config = EvalConfig.parse(c);
                List<SampleRunner.Outcome<Prediction>> many = runner.predict(samples, config, List.of(1, 2));
                int answered = 0;
                for (int i = 0; i < samples.size(); i++) {
                    String at = which + " " + c + " " + samples.get(i).questionId();
                    if (samples.get(i).questionId().equals("bad")) {
                        assertEquals("image", many.get(i).error().stage(), at);
                        continue;
                    }
                    Prediction one = runner.predict(samples.get(i), config, List.of(1, 2));
                    Prediction b = many.get(i).value();
                    assertNotNull(b, at + ": " + many.get(i).error());
                    assertEquals(one.answer(), b.answer(), at + " answer");
                    Allclose.assertClose(at + " grounding", b.imageAttentionByLayer(), one.imageAttentionByLayer(), 1e-5, 1e-5);
                    if (one.objectShareByLayer() != null) {
                        Allclose.assertClose(at + " object share", b.objectShareByLayer(), one.objectShareByLayer(), 1e-5, 1e-5);
                    }
                    assertRows(at, one.attention(), b.attention());
                    answered++;
                }
                assertEquals(samples.size() - 1, answered);
            }
        }
    }

    private static void assertRows(String at, List<ExtractResult.AttentionRow> one, List<ExtractResult.AttentionRow> many) {
        assertEquals(one.size(), many.size(), at + " attention rows");
        assertTrue(!one.isEmpty(), at + ": attention rows were asked for");
        for (int r = 0; r < one.size(); r++) {
            assertEquals(one.get(r).layer(), many.get(r).layer());
            assertEquals(one.get(r).gridRows(), many.get(r).gridRows());
            assertEquals(one.get(r).gridCols(), many.get(r).gridCols());
            Allclose.assertClose(at + " attention row " + r, many.get(r).weights(), one.get(r).weights(), 1e-5, 1e-5);
            if (one.get(r).sinkPatches() != null) {
                assertArrayEquals(one.get(r).sinkPatches(), many.get(r).sinkPatches(), at + " sink patches " + r);
            }
        }
    }
}
