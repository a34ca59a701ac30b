package sinkscope.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.data.Question;
import sinkscope.data.SyntheticScene;
import sinkscope.model.RandomWeights;
import sinkscope.model.Torch;
import sinkscope.model.clip.ClipImageProcessor;
import sinkscope.model.llava.Llava;
import sinkscope.model.llava.LlavaConfig;
import sinkscope.model.llava.LlavaProcessor;

/** Issue 30's recipe: rare triggers, AdamW's decay, frozen embeddings, scene texts, the stage-3 selection and schedule, the CLS vision objective, the recipe's variants. */
class SinkRecipeTest {

    @Test
    void triggersAreRareAtTheRecipesCopyShare() {
        WordLevelTokenizer tok = WordLevelTokenizer.synthetic().withSceneWords();
        TextPretraining.Language lang = new TextPretraining.Language(tok, 7, 0.02);
        SplittableRandom rng = new SplittableRandom(11);
        int triggers = 0;
        int positions = 0;
        java.util.Set<Long> kinds = new java.util.HashSet<>();
        for (int n = 0; n < 300; n++) {
            long[] x = lang.sample(rng, 128);
            for (int t = 1; t < x.length; t++) {
                positions++;
                if (lang.isTrigger(x[t])) {
                    triggers++;
                    kinds.add(x[t]);
                }
            }
        }
        // copy share 0.02 per non-trigger word: a trigger share of 0.02 / 1.02 = 0.0196 (standard error ~0.0007 over 38100 positions)
        double rate = (double) triggers / positions;
        assertEquals(0.02 / 1.02, rate, 0.003);
        assertTrue(rate <= 0.025, "issue 30: at most 2.5% of positions are triggers, got " + rate);
        assertEquals(TextPretraining.Language.TRIGGERS, kinds.size(), "every trigger kind occurs");
    }

    @Test
    void adamWDecaysMatricesOnlyAndByLrTimesDecay() {
        Torch.configure(0);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            NDArray w = m.create(new float[] {1f, -2f, 4f, 0.5f}, new Shape(2, 2));
            NDArray g = m.create(new float[] {3f, 3f});
            params.put("w", w);
            params.put("g", g);
            params.values().forEach(p -> p.setRequiresGradient(true));
            var opt = TextPretraining.optimizers(params, 0.1, (name, n) -> 0.01f);
            assertNotEquals(opt.apply("w"), opt.apply("g"), "matrices and norm gains take different optimizers");
            params.put(TextPretraining.EMBEDDINGS, m.zeros(new Shape(3, 2)));
            assertEquals(opt.apply("g"), opt.apply(TextPretraining.EMBEDDINGS), "token embeddings are not decayed");
            params.remove(TextPretraining.EMBEDDINGS);
            // zero gradients: Adam's step is 0, so the matrix moves only by the decoupled decay w -= lr * wd * w
            assertTrue(OptimizerStep.apply(params, opt));
            float[] after = w.toFloatArray();
            float[] before = {1f, -2f, 4f, 0.5f};
            for (int i = 0; i < after.length; i++) {
                assertEquals(before[i] * (1 - 0.01 * 0.1), after[i], 1e-6);
            }
            assertArrayEquals(new float[] {3f, 3f}, g.toFloatArray(), "norm gains are not decayed");
            var none = TextPretraining.optimizers(params, 0, (name, n) -> 0.01f);
            assertEquals(none.apply("w"), none.apply("g"), "no decay: one plain Adam for everything");
            assertTrue(OptimizerStep.apply(params, none));
            assertArrayEquals(after, w.toFloatArray(), "no decay, zero gradient: no move");
        }
    }

    @Test
    void frozenEmbeddingsStayAtInitialisationThroughStageZero(@TempDir Path dir) throws Exception {
        Torch.configure(0);
        Recipe r = Recipe.tiny().withTextStage(12, 4, 16, 3e-3, 0.1).withLanguageStage(0.1, true, 0.5);
        WordLevelTokenizer tok = r.tokenizer();
        ReferenceCheckpoint.writeConfigs(dir, r, tok);
        LlavaConfig config = LlavaConfig.load(dir.resolve("config.json"));
        assertEquals(WordLevelTokenizer.synthetic().vocabSize() + 1 + SyntheticScene.classes(), config.text().vocabSize(), "scene words in the vocabulary");
        try (LlavaProcessor p = LlavaProcessor.load(dir, config);
                Llava model = Llava.create(config, new RandomWeights(r.seed(), r.initStd()), Device.cpu(), DataType.FLOAT32)) {
            ReferenceTrainer trainer = new ReferenceTrainer(r, config, p.tokenizer(), p.images());
            List<List<Question>> train = new ArrayList<>(trainer.dataset().train().stream()
                    .collect(java.util.stream.Collectors.groupingBy(Question::image, LinkedHashMap::new, java.util.stream.Collectors.toList())).values());
            String embed = "language_model.model.embed_tokens.weight";
            String q = "language_model.model.layers.0.self_attn.q_proj.weight";
            float[] e0 = model.parameters().get(embed).toFloatArray();
            float[] q0 = model.parameters().get(q).toFloatArray();
            List<String> log = new ArrayList<>();
            List<TextPretraining.Point> curve = new TextPretraining(r, tok, rng -> trainer.sceneText(train.get(rng.nextInt(train.size())), rng),
                    List.of(trainer.sceneText(train.get(0), new SplittableRandom(1)))).train(model, 6, log::add);
            assertEquals(2, curve.size(), String.join("\n", log));
            assertArrayEquals(e0, model.parameters().get(embed).toFloatArray(), "frozen embeddings do not move");
            assertFalse(java.util.Arrays.equals(q0, model.parameters().get(q).toFloatArray()), "the layers train");

            // BOS's row alone frozen: it stays, the rows of the words the batches use move (weight decay does not touch embeddings)
            Recipe bosOnly = r.withLanguageStage(0.1, false, 0.5).withFrozenBosEmbedding(true);
            new TextPretraining(bosOnly, tok, rng -> trainer.sceneText(train.get(rng.nextInt(train.size())), rng),
                    List.of(trainer.sceneText(train.get(0), new SplittableRandom(1)))).train(model, 6, log::add);
            float[] e1 = model.parameters().get(embed).toFloatArray();
            int d = config.text().hiddenSize();
            int bos = tok.bosId();
            assertArrayEquals(java.util.Arrays.copyOfRange(e0, bos * d, (bos + 1) * d), java.util.Arrays.copyOfRange(e1, bos * d, (bos + 1) * d),
                    "BOS's row does not move");
            int background = tok.id(WordLevelTokenizer.BACKGROUND);
            assertFalse(java.util.Arrays.equals(java.util.Arrays.copyOfRange(e0, background * d, (background + 1) * d),
                    java.util.Arrays.copyOfRange(e1, background * d, (background + 1) * d)), "a word's row trains");
            for (TextPretraining.Point pt : curve) {
                assertTrue(pt.sceneAccuracy() >= 0 && pt.sceneAccuracy() <= 1, "scene accuracy is measured: " + pt.sceneAccuracy());
                for (int l = 0; l < config.text().numHiddenLayers(); l++) {
                    assertTrue(pt.bosDim()[l] >= 0 && pt.bosDim()[l] < config.text().hiddenSize());
                    assertTrue(pt.bosValueRatio()[l] > 0 && Double.isFinite(pt.bosValueRatio()[l]));
                }
            }
        }
    }

    @Test
    void sceneTextPutsAWordPerPatchInPlaceOfTheImage(@TempDir Path dir) throws Exception {
        Recipe r = Recipe.tiny().withTextStage(4, 4, 16, 3e-3, 0.1).withLanguageStage(0, true, 0.5);
        WordLevelTokenizer tok = r.tokenizer();
        ReferenceCheckpoint.writeConfigs(dir, r, tok);
        LlavaConfig config = LlavaConfig.load(dir.resolve("config.json"));
        try (LlavaProcessor p = LlavaProcessor.load(dir, config)) {
            ReferenceTrainer trainer = new ReferenceTrainer(r, config, p.tokenizer(), p.images());
            SyntheticScene scene = trainer.dataset().scenes().get(0);
            List<Question> qs = trainer.dataset().train().stream().filter(q -> q.image().equals("synth_000000.png")).toList();
            TextPretraining.Text text = trainer.sceneText(qs, new SplittableRandom(2));
            int grid = r.imageSize() / r.patchSize();
            int[] classes = VisionPretraining.patchClasses(scene, grid);
            // <s> USER : then one word per patch
            for (int k = 0; k < grid * grid; k++) {
                String word = classes[k] < 0 ? WordLevelTokenizer.BACKGROUND : WordLevelTokenizer.classWord(classes[k]);
                assertEquals(tok.id(word), text.ids()[3 + k], "patch " + k);
                assertFalse(text.target()[3 + k], "no loss on the scene's words");
            }
            assertTrue(java.util.Arrays.stream(classes).anyMatch(c -> c >= 0), "the scene's objects cover some patch");
            for (long id : text.ids()) {
                assertNotEquals(tok.imageId(), id, "no <image> placeholder left");
            }
            int targets = 0;
            int eos = 0;
            for (int i = 0; i + 1 < text.ids().length; i++) {
                if (text.target()[i]) {
                    targets++;
                    eos += text.ids()[i + 1] == tok.eosId() ? 1 : 0;
                }
            }
            assertEquals(2 * eos, targets, "each answer is one word and its </s>");
            assertTrue(eos >= 1 && eos <= r.questionsPerImage());

            // two words per object patch: its colour and shape words, the question's own tokens; background stays one word
            ReferenceTrainer two = new ReferenceTrainer(r.withScenePatchWords(2), config, p.tokenizer(), p.images());
            TextPretraining.Text split = two.sceneText(qs, new SplittableRandom(2));
            int objectPatches = (int) java.util.Arrays.stream(classes).filter(c -> c >= 0).count();
            assertEquals(text.ids().length + objectPatches, split.ids().length, "one more token per object patch");
            int at = 3;
            for (int c : classes) {
                if (c < 0) {
                    assertEquals(tok.id(WordLevelTokenizer.BACKGROUND), split.ids()[at++]);
                } else {
                    String[] words = SyntheticScene.className(c).split(" ");
                    assertEquals(tok.id(words[0]), split.ids()[at++], "colour word");
                    assertEquals(tok.id(words[1]), split.ids()[at++], "shape word");
                }
            }
            long[] tail = java.util.Arrays.copyOfRange(text.ids(), 3 + classes.length, text.ids().length);
            assertArrayEquals(tail, java.util.Arrays.copyOfRange(split.ids(), at, split.ids().length), "the same questions and answers follow");
            assertThrows(IllegalArgumentException.class, () -> r.withScenePatchWords(3));
        }
    }

    @Test
    void visionFromCopiesTheTowerOnly(@TempDir Path dir) throws Exception {
        Torch.configure(0);
        Recipe r = Recipe.tiny();
        Path from = dir.resolve("from");
        ReferenceCheckpoint.writeConfigs(from, r, WordLevelTokenizer.synthetic());
        LlavaConfig config = LlavaConfig.load(from.resolve("config.json"));
        try (Llava trained = Llava.create(config, new RandomWeights(5, 0.1), Device.cpu(), DataType.FLOAT32)) {
            ReferenceCheckpoint.writeWeights(from, trained);
        }
        String patch = "vision_tower.vision_model.embeddings.patch_embedding.weight";
        String proj = "multi_modal_projector.linear_1.weight";
        try (Llava saved = Llava.load(from, Device.cpu(), DataType.FLOAT32);
                Llava model = Llava.create(config, new RandomWeights(3, 0.02), Device.cpu(), DataType.FLOAT32)) {
            float[] projBefore = model.parameters().get(proj).toFloatArray();
            long tower = model.parameters().keySet().stream().filter(k -> k.startsWith("vision_tower.")).count();
            assertEquals(tower, ReferenceCheckpoint.copyParameters(model, from, "vision_tower.", "--vision-from"));
            assertArrayEquals(saved.parameters().get(patch).toFloatArray(), model.parameters().get(patch).toFloatArray());
            assertArrayEquals(projBefore, model.parameters().get(proj).toFloatArray(), "the projector is not copied");
        }
        Path other = dir.resolve("other");
        Recipe wider = new Recipe(3, 16, 4, 0, 4, 16, 3e-3, 0.1, 4, 4, 3e-3, 12, 4, 4, 3e-3, 2, 0.5, 0.02, 0.5, 56, 14, 48, 2, 2, 64, 32, 2, 4, 2, 64,
                256, 0, false, 0, false, 0, 2e-4, 1, 0.25, null, 1, false, null, 0, false, 0, "patch");
        ReferenceCheckpoint.writeConfigs(other, wider, WordLevelTokenizer.synthetic());
        try (Llava model = Llava.create(LlavaConfig.load(other.resolve("config.json")), new RandomWeights(3, 0.02), Device.cpu(), DataType.FLOAT32)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReferenceCheckpoint.copyParameters(model, from, "vision_tower.", "--vision-from"));
            assertTrue(e.getMessage().contains("--vision-from") && e.getMessage().contains("vision_tower."), e.getMessage());
        }
    }

    @Test
    void copiedParametersReachEveryForwardPath(@TempDir Path dir) throws Exception {
        Torch.configure(0);
        Recipe r = Recipe.tiny();
        ReferenceCheckpoint.writeConfigs(dir, r, WordLevelTokenizer.synthetic());
        LlavaConfig config = LlavaConfig.load(dir.resolve("config.json"));
        try (Llava trained = Llava.create(config, new RandomWeights(5, 0.1), Device.cpu(), DataType.FLOAT32)) {
            ReferenceCheckpoint.writeWeights(dir, trained);
        }
        int size = config.vision().imageSize();
        long[] ids = {1, 5, 6, 7, 8, 9, 10, 11};
        try (Llava saved = Llava.load(dir, Device.cpu(), DataType.FLOAT32);
                Llava model = Llava.create(config, new RandomWeights(3, 0.02), Device.cpu(), DataType.FLOAT32);
                NDManager m = NDManager.newBaseManager()) {
            NDArray pixels = m.randomNormal(new Shape(2, 3, size, size));
            float[] initial = TextPretraining.logits(m, model.language(), ids, 1, ids.length, null).toFloatArray();
            ReferenceCheckpoint.copyParameters(model, dir, "vision_tower.", "--vision-from");
            ReferenceCheckpoint.copyParameters(model, dir, "language_model.", "--text-from");
            // passes without gradients read the weights through views made at load (stacked q/k/v and gate/up, W^T, norm pairs)
            assertArrayEquals(saved.selectedVisionFeatures(m, pixels).toFloatArray(), model.selectedVisionFeatures(m, pixels).toFloatArray(), 1e-4f,
                    "the copied tower's features are the checkpoint's");
            float[] copied = TextPretraining.logits(m, model.language(), ids, 1, ids.length, null).toFloatArray();
            assertArrayEquals(TextPretraining.logits(m, saved.language(), ids, 1, ids.length, null).toFloatArray(), copied, 1e-5f,
                    "the copied decoder's logits are the checkpoint's");
            assertFalse(java.util.Arrays.equals(initial, copied), "the copy changed the model");
        }
    }

    @Test
    void textFromStartsStageZeroFromTheCheckpointsLanguageModel(@TempDir Path dir) throws Exception {
        Torch.configure(0);
        // stage 0 off and a projector-only stage 2: the run's language model must be the checkpoint's, bit for bit
        Recipe r = Recipe.tiny().withAlignment(true, 0, 2e-4, 1, 0.25);
        Path from = dir.resolve("from");
        ReferenceCheckpoint.writeConfigs(from, r, WordLevelTokenizer.synthetic());
        LlavaConfig config = LlavaConfig.load(from.resolve("config.json"));
        try (Llava trained = Llava.create(config, new RandomWeights(5, 0.1), Device.cpu(), DataType.FLOAT32)) {
            ReferenceCheckpoint.writeWeights(from, trained);
        }
        Recipe resumed = r.withTextFrom(from.toString());
        assertTrue(resumed.commandLine("D").contains("--text-from " + from + " "), resumed.commandLine("D"));
        assertFalse(r.commandLine("D").contains("--text-from"));
        List<String> log = new ArrayList<>();
        ReferenceTrainer.Run run;
        try (LlavaProcessor p = LlavaProcessor.load(from, config)) {
            run = new ReferenceTrainer(resumed, config, p.tokenizer(), p.images()).train(4, 0, log::add);
        }
        try (Llava saved = Llava.load(from, Device.cpu(), DataType.FLOAT32); Llava model = run.model()) {
            // D_sink read off BOS of the checkpoint's language model, in process as on the checkpoint itself
            assertArrayEquals(new TextPretraining(resumed, resumed.tokenizer()).sinkDimensions(saved, 0.3125 * Math.sqrt(config.text().hiddenSize())),
                    run.sinkDims(), String.join("\n", log));
            long language = model.parameters().keySet().stream().filter(k -> k.startsWith("language_model.")).count();
            assertTrue(log.contains("stage 0 continues " + language + " language model tensors from " + from), String.join("\n", log));
            int same = 0;
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                boolean equal = java.util.Arrays.equals(saved.parameters().get(e.getKey()).toFloatArray(), e.getValue().toFloatArray());
                if (e.getKey().startsWith("language_model.")) {
                    assertTrue(equal, e.getKey() + " is the checkpoint's");
                    same++;
                } else if (e.getKey().startsWith("multi_modal_projector.") && e.getKey().endsWith(".weight")) {
                    assertFalse(equal, e.getKey() + " is the run's own (initialised, then trained)");
                }
            }
            assertEquals(language, same);
            long[] ids = {1, 5, 6, 7, 8, 9, 10, 11};
            try (NDManager m = NDManager.newBaseManager()) {
                assertArrayEquals(TextPretraining.logits(m, saved.language(), ids, 1, ids.length, null).toFloatArray(),
                        TextPretraining.logits(m, model.language(), ids, 1, ids.length, null).toFloatArray(), 1e-5f,
                        "the run's decoder computes the checkpoint's logits without gradients (the stacked and transposed views see the copy)");
            }
        }
        Recipe scenes = r.withLanguageStage(0, false, 0.5).withTextFrom(from.toString()); // 37 more words: another vocabulary
        Path other = dir.resolve("other");
        ReferenceCheckpoint.writeConfigs(other, scenes, scenes.tokenizer());
        LlavaConfig wider = LlavaConfig.load(other.resolve("config.json"));
        try (LlavaProcessor p = LlavaProcessor.load(other, wider)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ReferenceTrainer(scenes, wider, p.tokenizer(), p.images()).train(4, 0, line -> {}));
            assertTrue(e.getMessage().contains("--text-from " + from) && e.getMessage().contains("embed_tokens"), e.getMessage());
        }
    }

    @Test
    void patchWordTargetPullsEachImageTokenToItsPatchsWord(@TempDir Path dir) throws Exception {
        Torch.configure(0);
        Recipe r = Recipe.tiny().withLanguageStage(0, false, 0.5).withAlignment(true, 0, 2e-4, 1, 0.25).withPatchWordTarget(50, false);
        WordLevelTokenizer tok = r.tokenizer();
        ReferenceCheckpoint.writeConfigs(dir, r, tok);
        LlavaConfig config = LlavaConfig.load(dir.resolve("config.json"));
        try (LlavaProcessor p = LlavaProcessor.load(dir, config);
                Llava model = Llava.create(config, new RandomWeights(r.seed(), r.initStd()), Device.cpu(), DataType.FLOAT32);
                NDManager m = model.newSampleManager()) {
            ReferenceTrainer t = new ReferenceTrainer(r, config, p.tokenizer(), p.images());
            List<Question> qs = t.dataset().train().stream().filter(q -> q.image().equals("synth_000000.png")).toList();
            int[] words = t.patchWords(0);
            TextPretraining.Text text = t.sceneText(qs, new SplittableRandom(2));
            for (int k = 0; k < words.length; k++) {
                assertEquals(words[k], text.ids()[3 + k], "patch " + k + ": the scene text's word"); // <s> USER : then a word per patch
            }
            assertTrue(java.util.Arrays.stream(words).anyMatch(w -> w != tok.id(WordLevelTokenizer.BACKGROUND)), "scene 0 has an object patch");

            float[] px = p.images().pixelValues(t.dataset().scenes().get(0).render(r.seed()), ClipImageProcessor.Mode.CROP);
            float[][] features = ReferenceTrainer.visionFeatures(model, new float[][] {px});
            int dv = config.vision().hiddenSize();
            NDArray x = model.project(m, m.create(features[0], new Shape(1, features[0].length / dv, dv)));
            float[] xv = x.toFloatArray();
            float[] table = model.parameters().get(TextPretraining.EMBEDDINGS).toFloatArray();
            int d = config.text().hiddenSize();
            double num = 0;
            double den = 0;
            for (int k = 0; k < words.length; k++) {
                for (int j = 0; j < d; j++) {
                    double e = table[words[k] * d + j];
                    num += (xv[k * d + j] - e) * (xv[k * d + j] - e);
                    den += e * e;
                }
            }
            float align = PatchWordTarget.loss(m, model, x, new int[][] {words}).getFloat();
            assertEquals(num / den, align, 1e-4 * num / den, "sum ||x_p - e_p||^2 / sum ||e_p||^2");
            NDArray exact = model.language().embed(m.create(java.util.Arrays.stream(words).asLongStream().toArray(), new Shape(1, words.length)));
            assertEquals(0f, PatchWordTarget.loss(m, model, exact, new int[][] {words}).getFloat(), 1e-7f, "tokens equal to their words' embeddings");
            assertThrows(IllegalArgumentException.class, () -> PatchWordTarget.loss(m, model, x, new int[][] {java.util.Arrays.copyOf(words, 3)}));

            ReferenceTrainer.Sequence seq = t.conversation(0, List.of(qs.get(0)), true);
            ReferenceTrainer.Output answer = t.forward(m, model, new ReferenceTrainer.Batch(features, new int[][] {words}, List.of(seq)), 0);
            ReferenceTrainer.Output both = t.forward(m, model, new ReferenceTrainer.Batch(features, new int[][] {words}, List.of(seq)), 50);
            assertEquals(align, answer.align(), 1e-6);
            assertEquals(answer.loss().getFloat() + 50 * align, both.loss().getFloat(), 1e-3, "the answer loss plus the weighted alignment");
            assertTrue(Double.isNaN(t.forward(m, model, new ReferenceTrainer.Batch(features, List.of(seq))).align()), "no patch words: no alignment");
        }
        // trained: the projector alone moves, and the held-out images' tokens come closer to their words
        List<String> log = new ArrayList<>();
        try (LlavaProcessor p = LlavaProcessor.load(dir, config);
                Llava model = new ReferenceTrainer(r, config, p.tokenizer(), p.images()).train(4, 0, log::add).model()) {
            for (String line : log) {
                assertFalse(line.startsWith("step") && !line.contains("held-out align"), line);
            }
            assertTrue(log.stream().anyMatch(l -> l.startsWith("step    12")), String.join("\n", log));
            double first = heldOutAlign(log, "step     4");
            double last = heldOutAlign(log, "step    12");
            // tokens uncorrelated with their words' embeddings give L_align >= 1 (1 + (||x||^2 - 2 x.e) / ||e||^2)
            assertTrue(last < first && last < 0.8, "held-out alignment " + first + " -> " + last);
        }
        Recipe annealed = r.withPatchWordTarget(2, true);
        assertEquals(2, annealed.patchWordWeight(0, 100), 1e-12);
        assertEquals(1, annealed.patchWordWeight(50, 100), 1e-12);
        assertEquals(0, annealed.patchWordWeight(100, 100), 1e-12);
        assertEquals(2, r.withPatchWordTarget(2, false).patchWordWeight(100, 100), 1e-12, "constant unless annealed");
        assertTrue(annealed.commandLine("D").contains("--patch-word-weight 2.0 --patch-word-anneal "), annealed.commandLine("D"));
        assertFalse(Recipe.defaults().commandLine("D").contains("--patch-word"), "the bundled model's command is unchanged");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Recipe.tiny().withPatchWordTarget(1, false));
        assertTrue(e.getMessage().contains("--patch-word-weight") && e.getMessage().contains("--text-scene-share"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.withScenePatchWords(2), "one word per patch");
        assertThrows(IllegalArgumentException.class, () -> r.withPatchWordTarget(-1, false));
    }

    private static double heldOutAlign(List<String> log, String prefix) {
        String line = log.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
        java.util.regex.Matcher mt = java.util.regex.Pattern.compile("held-out align ([0-9.]+)").matcher(line);
        assertTrue(mt.find(), line);
        return Double.parseDouble(mt.group(1));
    }

    @Test
    void stageThreeTrainsTheUpperLayersFinalNormAndHeadOnRecipeSchedule() {
        assertTrue(ReferenceTrainer.finetuned("language_model.model.layers.2.mlp.up_proj.weight", 2));
        assertTrue(ReferenceTrainer.finetuned("language_model.model.layers.11.self_attn.q_proj.weight", 2));
        assertFalse(ReferenceTrainer.finetuned("language_model.model.layers.1.mlp.up_proj.weight", 2));
        assertTrue(ReferenceTrainer.finetuned("language_model.model.norm.weight", 2));
        assertTrue(ReferenceTrainer.finetuned("language_model.lm_head.weight", 2));
        assertFalse(ReferenceTrainer.finetuned("language_model.model.embed_tokens.weight", 0));
        assertFalse(ReferenceTrainer.finetuned("multi_modal_projector.linear_1.weight", 0));
        assertFalse(ReferenceTrainer.finetuned("vision_tower.vision_model.post_layernorm.weight", 0));
        Recipe r = Recipe.defaults().withAlignment(true, 800, 2e-4, 2, 0.25);
        assertEquals(2e-4 / r.warmupSteps(), r.finetuneLearningRate(0), 1e-15, "warm-up");
        assertEquals(2e-4, r.finetuneLearningRate(r.warmupSteps()), 1e-15, "peak after warm-up");
        assertEquals(2e-4 * (r.minLrFraction() + (1 - r.minLrFraction()) * 0.5), r.finetuneLearningRate(r.warmupSteps() + (800 - r.warmupSteps()) / 2), 1e-12,
                "cosine half-way");
        assertEquals(2e-4 * r.minLrFraction(), r.finetuneLearningRate(800), 1e-15, "floor at the end");
        String cmd = r.withLanguageStage(0.1, true, 0.25).withTextStage(1500, 32, 128, 4e-3, 0.02).commandLine("D");
        assertTrue(cmd.contains("--text-weight-decay 0.1 --freeze-embeddings --text-scene-share 0.25 --align-projector-only --finetune-steps 800 "
                + "--finetune-lr 2.0E-4 --finetune-from-layer 2 --replay-share 0.25 "), cmd);
        assertTrue(!Recipe.defaults().commandLine("D").contains("--freeze-embeddings"), "the bundled model's command is unchanged");
        String diagnostic = r.withScenePatchWords(2).withFrozenBosEmbedding(true).commandLine("D");
        assertTrue(diagnostic.contains("--scene-patch-words 2 --freeze-bos-embedding "), diagnostic);
        assertTrue(!Recipe.defaults().commandLine("D").contains("--scene-patch-words") && !Recipe.defaults().commandLine("D").contains("--freeze-bos"));
        assertThrows(IllegalArgumentException.class, () -> Recipe.defaults().withAlignment(true, 10, 2e-4, 4, 0.25), "layer 4 of 4");
        assertThrows(IllegalArgumentException.class, () -> Recipe.defaults().withAlignment(true, 10, 2e-4, 1, 1.0), "replay share 1");
    }

    @Test
    void eachVariantChangesOnlyItsOwnFieldsAndKeepsTheCommandLine() {
        Recipe d = Recipe.defaults();
        Recipe all = d.withTextStage(1200, 16, 128, 8e-3, 0.02).withLanguageStage(0.5, true, 0.5).withAlignment(true, 300, 2e-4, 0, 0.25)
                .withFrozenBosEmbedding(true).withTextFrom("/m").withScenePatchWords(2).withPackedDocuments(0.05);
        Recipe back = all.withTextStage(d.textSteps(), d.textBatch(), d.textLength(), d.textLr(), d.textCopyShare())
                .withLanguageStage(d.textWeightDecay(), d.freezeEmbeddings(), d.textSceneShare())
                .withAlignment(d.alignProjectorOnly(), d.finetuneSteps(), d.finetuneLr(), d.finetuneFromLayer(), d.replayShare())
                .withFrozenBosEmbedding(false).withTextFrom(null).withScenePatchWords(1).withPackedDocuments(0);
        assertEquals(d, back, "undoing every variant gives the recipe back: no other field was touched");
        assertEquals(d.commandLine("D"), back.commandLine("D"));
        Recipe patched = d.withLanguageStage(0, false, 0.75).withPatchWordTarget(1, true);
        assertEquals(1, patched.patchWordWeight(), 1e-12);
        assertTrue(patched.patchWordAnneal());
        assertEquals(d.withLanguageStage(0, false, 0.75), patched.withPatchWordTarget(0, false));
        assertEquals(0.02, all.textCopyShare(), 1e-12);
        assertEquals(128, all.textLength());
        assertEquals(d.visionSteps(), all.visionSteps());
        assertEquals("/m", all.textFrom());
        assertTrue(all.commandLine("D").contains("--text-steps 1200 --text-batch 16 --text-length 128 --text-lr 0.008 --text-copy-share 0.02 "
                + "--text-weight-decay 0.5 --freeze-embeddings --text-scene-share 0.5 --align-projector-only --finetune-steps 300 --finetune-lr 2.0E-4 "
                + "--finetune-from-layer 0 --replay-share 0.25 --scene-patch-words 2 --freeze-bos-embedding --text-from /m --text-bos-share 0.05 "),
                all.commandLine("D"));
    }

    @Test
    void clsObjectiveTrainsTheTowerOnImageLevelTargetsReadOffTheClsToken(@TempDir Path dir) throws Exception {
        Torch.configure(0);
        Recipe r = Recipe.tiny().withVisionObjective("cls");
        ReferenceCheckpoint.writeConfigs(dir, r, WordLevelTokenizer.synthetic());
        LlavaConfig config = LlavaConfig.load(dir.resolve("config.json"));
        var dataset = r.dataset();
        VisionPretraining stage = new VisionPretraining(r, dataset);
        for (int i = 0; i < dataset.scenes().size(); i++) {
            java.util.Set<Integer> present = new java.util.HashSet<>();
            dataset.scenes().get(i).objects().forEach(o -> present.add(o.classIndex()));
            float[] y = stage.imageTargets(i);
            assertEquals(SyntheticScene.classes(), y.length);
            for (int c = 0; c < y.length; c++) {
                assertEquals(present.contains(c) ? 1f : 0f, y[c], "scene " + i + " class " + c);
            }
        }
        try (LlavaProcessor p = LlavaProcessor.load(dir, config);
             Llava model = Llava.create(config, new RandomWeights(3, 0.02), Device.cpu(), DataType.FLOAT32);
             NDManager m = model.newSampleManager()) {
            float[][] pixels = dataset.scenes().stream().map(s -> p.images().pixelValues(s.render(r.seed()), ClipImageProcessor.Mode.CROP))
                    .toArray(float[][]::new);
            int size = config.vision().imageSize();
            int dv = config.vision().hiddenSize();
            int classes = SyntheticScene.classes();
            NDArray x = m.create(pixels[0], new Shape(1, 3, size, size));
            NDArray w = m.randomNormal(0f, 1f, new Shape(dv, classes), DataType.FLOAT32);
            NDArray b = m.randomNormal(0f, 1f, new Shape(classes), DataType.FLOAT32);
            NDArray cls = model.visionHiddenStates(m, x).get(config.visionFeatureIndex()).get(0).get(0); // CLS of the feature layer
            assertArrayEquals(cls.matMul(w).add(b).toFloatArray(), VisionPretraining.logits(model, m, x, w, b, true).toFloatArray(), 1e-4f,
                    "the cls objective reads the CLS token of the hidden state the projector reads");
            assertEquals(new Shape(1, (long) (size / config.vision().patchSize()) * (size / config.vision().patchSize()), classes),
                    VisionPretraining.logits(model, m, x, w, b, false).getShape(), "the patch objective: every patch token");
            String name = "vision_tower.vision_model.embeddings.patch_embedding.weight";
            float[] before = model.parameters().get(name).toFloatArray();
            List<VisionPretraining.Point> curve = stage.train(model, pixels, 1, line -> { });
            assertEquals(r.visionSteps(), curve.size());
            assertEquals(Math.log(2), curve.get(0).loss(), 0.1, "logits near 0 at initialisation");
            assertTrue(curve.stream().allMatch(pt -> Double.isFinite(pt.loss()) && pt.heldOutAccuracy() >= 0 && pt.heldOutAccuracy() <= 1));
            assertFalse(java.util.Arrays.equals(before, model.parameters().get(name).toFloatArray()), "the tower trains");
        }
        assertTrue(r.commandLine("D").contains("--vision-objective cls "), r.commandLine("D"));
        assertFalse(Recipe.tiny().commandLine("D").contains("--vision-objective"), "the default (patch) is not printed");
        assertThrows(IllegalArgumentException.class, () -> Recipe.tiny().withVisionObjective("global"));
    }
}
