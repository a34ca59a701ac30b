package sinkscope.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.data.Question;
import sinkscope.data.SyntheticBenchmark;
import sinkscope.model.KvCache;
import sinkscope.model.Merged;
import sinkscope.model.RandomWeights;
import sinkscope.model.Torch;
import sinkscope.model.clip.ClipImageProcessor;
import sinkscope.model.llava.Llava;
import sinkscope.model.llava.LlavaConfig;
import sinkscope.model.llava.LlavaProcessor;

/** The training loop on a tiny model, and its batched forward pass against the runtime's batch-1 path. */
class ReferenceTrainerTest {

    @Test
    void lossFallsOverAFewSteps(@TempDir Path dir) throws Exception {
        Torch.configure(0);
        Recipe r = Recipe.tiny();
        ReferenceCheckpoint.writeConfigs(dir, r, WordLevelTokenizer.synthetic());
        LlavaConfig config = LlavaConfig.load(dir.resolve("config.json"));
        List<String> log = new ArrayList<>();
        try (LlavaProcessor p = LlavaProcessor.load(dir, config)) {
            ReferenceTrainer.Run run = new ReferenceTrainer(r, config, p.tokenizer(), p.images()).train(4, 0, log::add);
            try (Llava model = run.model()) {
                assertEquals(3, run.curve().size(), String.join("\n", log));
                double first = run.curve().get(0).loss();
                double last = run.curve().get(2).loss();
                assertTrue(last < first - 0.3, "loss " + first + " -> " + last);
                ReferenceCheckpoint.writeWeights(dir, model);
            }
        }
        try (Llava saved = Llava.load(dir, Device.cpu(), DataType.FLOAT32)) {
            assertEquals(saved.parameters().keySet().size(), saved.parameters().size());
        }
    }

    @Test
    void buildWritesALoadableCheckpointAndAModelCardWithMeasuredSinks(@TempDir Path dir) throws Exception {
        Torch.configure(0);
        Path out = dir.resolve("model");
        List<String> log = new ArrayList<>();
        Recipe recipe = Recipe.tiny().withTextStage(8, 4, 16, 3e-3, 0.1).withLanguageStage(0.1, true, 0.5).withAlignment(true, 4, 2e-4, 1, 0.25);
        ReferenceModelBuilder.Summary built = ReferenceModelBuilder.build(out, recipe, 2, 0, log::add);
        String card = Files.readString(out.resolve("README.md"));
        assertEquals(1, built.run().textCurve().size(), "stage 0 logs every 4 * 2 steps");
        assertTrue(card.contains("--text-steps 8 --text-batch 4 --text-length 16 --text-lr 0.003 --text-copy-share 0.1 --text-weight-decay 0.1 "
                + "--freeze-embeddings --text-scene-share 0.5 --align-projector-only --finetune-steps 4 "), card);
        assertTrue(card.contains("D_sink read off BOS after stage 0 (dims over tau entering a layer >= 2): " + java.util.Arrays.toString(built.run().sinkDims())), card);
        assertArrayEquals(built.run().sinkDims(), built.bosDims().dims(), "the probe runs on the D_sink read off BOS");
        var stage2 = built.run().curve();
        boolean below = stage2.get(stage2.size() - 1).heldOutAccuracy() < Recipe.FINETUNE_BELOW;
        assertEquals(below ? 2 : 0, built.run().finetuneCurve().size(), "stage 3 runs (4 steps, a point every 2) only below 0.9: " + String.join("\n", log));
        assertEquals(below, card.contains("## Loss curve (stage 3"));
        for (String section : List.of("## Recipe", "## Loss curve (stage 0, language)", "## Loss curve (stage 1)", "## Loss curve (stage 2)", "## Held-out accuracy", "## Status",
                "## Sink dimensions and visual sink tokens")) {
            assertTrue(card.contains(section), "model card lacks " + section);
        }
        SinkProbe.Measurement m = built.sinks();
        LlavaConfig config = LlavaConfig.load(out.resolve("config.json"));
        assertEquals(Math.min(Recipe.tiny().evalImages(), ReferenceModelBuilder.SINK_PROBE_IMAGES), m.probe().images());
        assertEquals(0.3125 * Math.sqrt(config.text().hiddenSize()), m.probe().tau(), 1e-9);
        assertTrue(m.recommended().length > 0, "a D_sink is always recommended");
        for (int l = 0; l < config.text().numHiddenLayers(); l++) {
            assertTrue(m.probe().imagePhiMax()[l] <= Math.sqrt(config.text().hiddenSize()) + 1e-3, "phi <= sqrt(D) in layer " + l);
            assertTrue(m.probe().imageSinks()[l] <= m.probe().imageTokens());
            double share = m.probe().sinkShareOfImageAttention()[l] / m.probe().images();
            assertTrue(share >= 0 && share <= 1 + 1e-6, "share of image attention on sinks in [0, 1]: " + share);
            if (m.probe().imageSinks()[l] == 0) {
                assertEquals(0, share, 0, "no sinks, no attention on them");
            }
        }
        double worst = 1;
        for (String t : List.of("plain", "pope")) {
            for (String split : SyntheticBenchmark.POPE_SPLITS) {
                worst = Math.min(worst, built.eval().accuracy(t, split));
            }
        }
        assertTrue(card.contains(String.format(java.util.Locale.ROOT, "Lowest held-out POPE accuracy: %.3f", worst)), card);
        assertTrue(card.contains("every split: " + (worst >= ModelCard.TARGET_ACCURACY ? "met" : "**not met**")), card);
        try (Llava saved = Llava.load(out, Device.cpu(), DataType.FLOAT32)) {
            assertEquals(config.text().numHiddenLayers(), saved.numLayers());
        }
    }

    @Test
    void batchedForwardEqualsTheRuntime(@TempDir Path dir) throws Exception {
        Torch.configure(0);
        Recipe r = Recipe.tiny();
        ReferenceCheckpoint.writeConfigs(dir, r, WordLevelTokenizer.synthetic());
        LlavaConfig config = LlavaConfig.load(dir.resolve("config.json"));
        try (LlavaProcessor p = LlavaProcessor.load(dir, config);
                Llava model = Llava.create(config, new RandomWeights(5, 0.5), Device.cpu(), DataType.FLOAT32);
                NDManager m = model.newSampleManager()) {
            ReferenceTrainer t = new ReferenceTrainer(r, config, p.tokenizer(), p.images());
            var scene = t.dataset().scenes().get(0);
            float[] px = p.images().pixelValues(scene.render(r.seed()), ClipImageProcessor.Mode.CROP);
            Question q = new Question("1", "synth_000000.png", "Is there a red circle in the image?", "no", "random");
            Question q2 = new Question("2", "synth_000000.png", "What color is the square?", "blue", "open_color");
            ReferenceTrainer.Sequence seq = t.conversation(0, List.of(q, q2), true);
            double batched = t.forward(m, model, new ReferenceTrainer.Batch(ReferenceTrainer.visionFeatures(model, new float[][] {px}), List.of(seq)))
                    .loss().getFloat();

            NDArray pixels = m.create(px, new ai.djl.ndarray.types.Shape(1, 3, r.imageSize(), r.imageSize()));
            Merged merged = model.merge(m, seq.ids(), model.imageFeatures(m, pixels));
            try (KvCache cache = new KvCache(model.numLayers())) {
                NDArray logp = model.allLogits(m, model.prefill(m, merged, cache, null).lastHidden()).logSoftmax(-1);
                double sum = 0;
                int n = 0;
                for (int i = 0; i < seq.ids().length; i++) {
                    if (seq.target()[i]) {
                        int row = i < merged.imageStart() ? i : i - 1 + config.numImageTokens();
                        sum -= logp.getFloat(row, seq.ids()[i + 1]);
                        n++;
                    }
                }
                assertEquals(4, n); // "No" </s> "blue" </s>
                assertEquals(sum / n, batched, 1e-4 * Math.max(1, Math.abs(batched)));
            }
        }
    }
}
