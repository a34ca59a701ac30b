package sinkscope.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.model.RandomWeights;
import sinkscope.model.Torch;
import sinkscope.model.llava.Llava;
import sinkscope.model.llava.LlavaConfig;

/** Stage 0: the bigram-backcopy language's statistics, and the stage on a tiny recipe. */
class TextPretrainingTest {
    private final WordLevelTokenizer tok = WordLevelTokenizer.synthetic();

    @Test
    void languageFollowsItsDefinition() {
        double copyShare = 0.1;
        TextPretraining.Language lang = new TextPretraining.Language(tok, 7, copyShare);
        assertEquals(TextPretraining.Language.TRIGGERS, lang.triggers().length);
        SplittableRandom rng = new SplittableRandom(1);
        int afterOther = 0;
        int triggers = 0;
        int bigram = 0;
        int first = 0;
        int copies = 0;
        for (int n = 0; n < 400; n++) {
            long[] x = lang.sample(rng, 64);
            assertEquals(64, x.length);
            assertEquals(tok.bosId(), x[0]);
            assertTrue(!lang.isTrigger(x[1]), "x_1 is not a trigger");
            for (int t = 1; t < x.length; t++) {
                assertTrue(x[t] > tok.eosId() && x[t] != tok.imageId() && x[t] != tok.padId(), "special token " + x[t] + " at " + t);
            }
            for (int t = 1; t + 1 < x.length; t++) {
                if (lang.isTrigger(x[t])) {
                    assertEquals(x[t - 1], x[t + 1], "back-copy after the trigger at " + t);
                    copies++;
                } else {
                    afterOther++;
                    if (lang.isTrigger(x[t + 1])) {
                        triggers++;
                    } else {
                        long[] s = lang.successors(x[t]);
                        assertNotEquals(s[0], s[1]);
                        assertTrue(x[t + 1] == s[0] || x[t + 1] == s[1], "bigram step at " + t);
                        bigram++;
                        first += x[t + 1] == s[0] ? 1 : 0;
                    }
                }
            }
        }
        // 400 * 62 transitions: binomial standard errors are ~0.002 (trigger share) and ~0.003 (first successor share)
        assertEquals(copyShare, (double) triggers / afterOther, 0.01);
        assertEquals(0.75, (double) first / bigram, 0.015);
        assertEquals(triggers, copies, 400, "almost every trigger is followed by its copy");
        long[] a = new TextPretraining.Language(tok, 7, copyShare).sample(new SplittableRandom(3), 32);
        assertArrayEquals(a, new TextPretraining.Language(tok, 7, copyShare).sample(new SplittableRandom(3), 32), "seeded");
        assertThrows(IllegalArgumentException.class, () -> new TextPretraining.Language(tok, 7, 1.5));
    }

    @Test
    void packedDocumentsPutBosInsideTheSequence() {
        TextPretraining.Language packed = new TextPretraining.Language(tok, 7, 0.1, 0.05);
        SplittableRandom rng = new SplittableRandom(1);
        int afterOther = 0;
        int starts = 0;
        for (int n = 0; n < 400; n++) {
            long[] x = packed.sample(rng, 64);
            assertEquals(tok.bosId(), x[0]);
            for (int t = 1; t + 1 < x.length; t++) {
                if (x[t] == tok.bosId()) {
                    assertFalse(packed.isTrigger(x[t + 1]) || x[t + 1] == tok.bosId(), "a document starts with an ordinary word");
                    assertFalse(packed.isTrigger(x[t - 1]), "<s> follows an ordinary word, never a trigger");
                } else if (!packed.isTrigger(x[t])) {
                    afterOther++;
                    starts += x[t + 1] == tok.bosId() ? 1 : 0;
                } else {
                    assertEquals(x[t - 1], x[t + 1], "back-copy after the trigger at " + t);
                }
            }
        }
        // ~23,000 transitions after an ordinary word: standard error of the share ~0.0015
        assertEquals(0.05, (double) starts / afterOther, 0.006);
        long[] plain = new TextPretraining.Language(tok, 7, 0.1).sample(new SplittableRandom(3), 64);
        assertArrayEquals(plain, new TextPretraining.Language(tok, 7, 0.1, 0).sample(new SplittableRandom(3), 64), "share 0: the unpacked language");
        assertThrows(IllegalArgumentException.class, () -> new TextPretraining.Language(tok, 7, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> Recipe.tiny().withPackedDocuments(-0.1));
        assertTrue(Recipe.tiny().withPackedDocuments(0.02).commandLine("D").contains("--text-bos-share 0.02 "));
        assertFalse(Recipe.defaults().commandLine("D").contains("--text-bos-share"));
    }

    @Test
    void stageLowersTheLossAndTouchesOnlyTheLanguageModel(@TempDir Path dir) throws Exception {
        Torch.configure(0);
        Recipe r = Recipe.tiny().withTextStage(60, 8, 24, 3e-3, 0.3);
        ReferenceCheckpoint.writeConfigs(dir, r, tok);
        LlavaConfig config = LlavaConfig.load(dir.resolve("config.json"));
        List<String> log = new ArrayList<>();
        try (Llava model = Llava.create(config, new RandomWeights(r.seed(), r.initStd()), Device.cpu(), DataType.FLOAT32)) {
            float[] vision = model.parameters().get("vision_tower.vision_model.embeddings.patch_embedding.weight").toFloatArray();
            float[] projector = model.parameters().get("multi_modal_projector.linear_1.weight").toFloatArray();
            float[] embed = model.parameters().get("language_model.model.embed_tokens.weight").toFloatArray();
            List<TextPretraining.Point> curve = new TextPretraining(r, tok).train(model, 20, log::add);
            assertEquals(3, curve.size(), String.join("\n", log));
            // untrained: ~ln(68) = 4.22 nats; the language's floor is well under 2
            assertTrue(curve.get(0).heldOutLoss() > curve.get(2).heldOutLoss() + 0.5, String.join("\n", log));
            for (TextPretraining.Point p : curve) {
                assertEquals(config.text().numHiddenLayers(), p.bosPhi().length);
                for (int l = 0; l < p.bosPhi().length; l++) {
                    assertTrue(p.bosPhi()[l] >= 1 && p.bosPhi()[l] <= Math.sqrt(config.text().hiddenSize()) + 1e-3, "phi in [1, sqrt(D)]");
                    assertTrue(p.bosAttention()[l] > 0 && p.bosAttention()[l] <= 1 + 1e-6, "attention share in (0, 1]");
                }
            }
            assertArrayEquals(vision, model.parameters().get("vision_tower.vision_model.embeddings.patch_embedding.weight").toFloatArray());
            assertArrayEquals(projector, model.parameters().get("multi_modal_projector.linear_1.weight").toFloatArray());
            float[] after = model.parameters().get("language_model.model.embed_tokens.weight").toFloatArray();
            double moved = 0;
            for (int i = 0; i < after.length; i++) {
                moved = Math.max(moved, Math.abs(after[i] - embed[i]));
            }
            assertTrue(moved > 1e-3, "the embeddings were trained");
        }
    }

    @Test
    void recipeRecordsTheStageInItsCommandLine() {
        Recipe r = Recipe.defaults();
        assertTrue(!r.commandLine("D").contains("--text-steps"), "no stage 0, no text flags: the bundled model's command is unchanged");
        String withText = r.withTextStage(3000, 32, 64, 1e-3, 0.1).commandLine("D");
        assertTrue(withText.contains("--text-steps 3000 --text-batch 32 --text-length 64 --text-lr 0.001 --text-copy-share 0.1 "), withText);
        assertThrows(IllegalArgumentException.class, () -> r.withTextStage(10, 4, 600, 1e-3, 0.1), "longer than max positions");
        assertEquals(1e-3 / 50, r.withTextStage(3000, 32, 64, 1e-3, 0.1).textLearningRate(0), 1e-12, "warmup");
    }
}
