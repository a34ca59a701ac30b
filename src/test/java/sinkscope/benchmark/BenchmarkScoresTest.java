package sinkscope.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import sinkscope.eval.Chair;
import sinkscope.eval.Significance;
import sinkscope.eval.TaskScore;

/** Per-question scoring and per-benchmark metrics on hand-worked examples (expected values from the official definitions). */
class BenchmarkScoresTest {
    static final List<String> SHAPES = List.of("circle", "square", "triangle", "star", "cross", "diamond");
    static final List<String> OPTIONS = List.of("purple", "green", "blue", "orange");

    static TaskScore.Reference ref(String benchmark, String task, String label, List<String> options, List<String> answers) {
        return new TaskScore.Reference(benchmark, task, label, options, answers);
    }

    static Map<String, Double> metrics(BenchmarkScores b) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (BenchmarkScores.Metric x : b.metrics()) {
            m.put(x.category() + "." + x.metric(), x.value());
        }
        return m;
    }

    @Test
    void choiceLettersAndOptionTexts() {
        TaskScore.Reference r = ref("synth_choice", TaskScore.CHOICE, "C", OPTIONS, List.of());
        assertEquals(new TaskScore.Parsed("C", true, 1.0, 0, 0, 0), Benchmarks.score(r, "(C)", null));
        assertEquals("C", Benchmarks.score(r, "blue", null).pred()); // the single option text in the answer
        assertEquals("A", Benchmarks.score(r, "A.", null).pred());
        assertFalse(Benchmarks.score(r, "A.", null).correct());
        assertEquals("other", Benchmarks.score(r, "Yes", null).pred());
        assertEquals("other", Benchmarks.score(r, "blue or green", null).pred()); // two option texts: none (MMBench can_infer_text)
        // SEED: only the bare letter counts (LLaVA's convert_seed_for_submission.py)
        assertEquals("other", Benchmarks.score(ref("seed", TaskScore.CHOICE, "C", OPTIONS, List.of()), "(C)", null).pred());
        assertEquals("C", Benchmarks.score(ref("seed", TaskScore.CHOICE, "C", OPTIONS, List.of()), "C", null).pred());
    }

    @Test
    void vqaAccuracyOfOneAnswerAndTheMean() {
        // VQA accuracy = mean over the ten leave-one-out subsets of min(1, matches / 3):
        // 3 of 10 say "red": the 3 subsets without a "red" annotator have 2 matches (2/3), the 7 others 3 (1) -> 0.9
        List<String> ten = List.of("red", "dark red", "red", "dark red", "dark red", "red", "dark red", "dark red", "dark red", "dark red");
        TaskScore.Reference r = ref("synth_vqa", TaskScore.OPEN, "red", List.of(), ten);
        assertEquals(0.9, Benchmarks.score(r, "Red.", null).score(), 1e-12);
        assertFalse(Benchmarks.score(r, "Red.", null).correct());
        assertEquals("red", Benchmarks.score(r, "Red.", null).pred());
        // "a square" normalizes to "square" when the answers disagree (articles dropped): 2 + 1 matches
        TaskScore.Reference shape = ref("synth_vqa", TaskScore.OPEN, "square", List.of(),
                List.of("square", "a square", "red square", "red square", "red square", "red square", "red square", "red square", "red square", "red square"));
        double expected = (2 * (1 / 3.0) + 8 * (2 / 3.0)) / 10;
        assertEquals(expected, Benchmarks.score(shape, "square", null).score(), 1e-12);
        BenchmarkScores b = new BenchmarkScores("synth_vqa", TaskScore.OPEN, null)
                .add("1", "open_color", null, r, "red").add("2", "open_shape", null, shape, "square").add("3", "open_shape", null, shape, "circle");
        Map<String, Double> m = metrics(b);
        assertEquals((0.9 + expected + 0) / 3, m.get("all.vqa_accuracy"), 1e-12);
        assertEquals(0.9, m.get("open_color.vqa_accuracy"), 1e-12);
        assertEquals(expected / 2, m.get("open_shape.vqa_accuracy"), 1e-12);
        assertEquals("vqa_accuracy", b.unitMetric());
        assertFalse(b.binary());
        // without reference answers: GQA's exact match after rstrip('.').lower()
        TaskScore.Reference gqa = ref("gqa", TaskScore.OPEN, "left", List.of(), List.of());
        assertTrue(Benchmarks.score(gqa, "Left.", null).correct());
        assertFalse(Benchmarks.score(gqa, "the left", null).correct());
    }

    @Test
    void circularGroupsScoreOnlyWhenEveryRotationIsRight() {
        List<String> opts = List.of("cat", "dog", "bird", "fish");
        BenchmarkScores b = new BenchmarkScores("mmbench", TaskScore.CHOICE, null)
                .add("1", "animals", "g1", ref("mmbench", TaskScore.CHOICE, "A", opts, List.of()), "A")
                .add("2", "animals", "g1", ref("mmbench", TaskScore.CHOICE, "B", opts, List.of()), "B")
                .add("3", "animals", "g2", ref("mmbench", TaskScore.CHOICE, "C", opts, List.of()), "C")
                .add("4", "colors", "g2", ref("mmbench", TaskScore.CHOICE, "D", opts, List.of()), "A");
        Map<String, Double> m = metrics(b);
        assertEquals(0.75, m.get("all.accuracy"));
        assertEquals(0.5, m.get("all.circular_accuracy"));
        assertEquals(0.5, m.get("animals.circular_accuracy")); // a group's category is that of its first question (g2: animals)
        assertEquals(0.0, m.get("colors.accuracy"));
        assertEquals(null, m.get("colors.circular_accuracy"));
        assertEquals("circular_accuracy", b.unitMetric());
        assertEquals(Map.of("g1", 1.0, "g2", 0.0), b.units());
    }

    @Test
    void mmeAccuracyPlusAndScore() {
        // existence: image a both right, image b one right: acc 3/4, acc+ 1/2, score 100 (0.75 + 0.5) = 125
        BenchmarkScores b = new BenchmarkScores("mme", TaskScore.YES_NO, null);
        String[][] rows = {{"a", "yes", "Yes"}, {"a", "no", "No"}, {"b", "yes", "Yes"}, {"b", "no", "Yes"}};
        for (int i = 0; i < rows.length; i++) {
            b.add(String.valueOf(i), "existence", rows[i][0], ref("mme", TaskScore.YES_NO, rows[i][1], null, null), rows[i][2]);
        }
        Map<String, Double> m = metrics(b);
        assertEquals(0.75, m.get("existence.acc"));
        assertEquals(0.5, m.get("existence.acc_plus"));
        assertEquals(125.0, m.get("existence.score"), 1e-9);
        assertEquals(125.0, m.get("all.perception"), 1e-9);
        assertEquals(0.0, m.get("all.cognition"));
    }

    @Test
    void popeMetricsPerCategory() {
        BenchmarkScores b = new BenchmarkScores("pope", TaskScore.YES_NO, null);
        String[][] rows = {{"random", "yes", "Yes"}, {"random", "no", "Yes, there is"}, {"popular", "no", "No"}, {"popular", "yes", "I cannot tell"}};
        for (int i = 0; i < rows.length; i++) {
            b.add(String.valueOf(i), rows[i][0], null, ref("pope", TaskScore.YES_NO, rows[i][1], null, null), rows[i][2]);
        }
        Map<String, Double> m = metrics(b);
        // eval_pope.py: an answer without a no-word is yes, so "I cannot tell" (label yes) is a TP:
        // tp 2, fp 1, tn 1, fn 0: accuracy 3/4, precision 2/3, recall 1, yes ratio 3/4
        assertEquals(0.75, m.get("all.accuracy"));
        assertEquals(2 / 3.0, m.get("all.precision"), 1e-12);
        assertEquals(1.0, m.get("all.recall"));
        assertEquals(0.75, m.get("all.yes_ratio"));
        assertEquals(0.5, m.get("random.accuracy"));
        assertEquals(1.0, m.get("popular.recall"));
        assertEquals(Map.of("0", 1.0, "1", 0.0, "2", 1.0, "3", 1.0), b.units()); // the same rule question by question
        assertEquals("other", Benchmarks.score(ref("pope", TaskScore.YES_NO, "yes", null, null), "I cannot tell", null).pred());
    }

    @Test
    void chairOverTheShapeVocabulary() {
        TaskScore.Reference r1 = ref("synth_caption", TaskScore.CAPTION, null, null, List.of("circle", "star"));
        TaskScore.Reference r2 = ref("synth_caption", TaskScore.CAPTION, null, null, List.of("star"));
        Chair chair = new Chair(SHAPES);
        TaskScore.Parsed p = Benchmarks.score(r1, "A red circle and two crosses.", chair);
        assertEquals("circle cross", p.pred()); // "crosses" singularized
        assertEquals(1.0, p.score());
        assertNull(p.correct());
        assertEquals(2, p.mentions());
        assertEquals(1, p.hallucinated());
        assertEquals(1, p.covered());
        BenchmarkScores b = new BenchmarkScores("synth_caption", TaskScore.CAPTION, SHAPES)
                .add("1", null, null, r1, "A red circle and two crosses.").add("2", null, null, r2, "star");
        Map<String, Double> m = metrics(b);
        assertEquals(0.5, m.get("all.chair_s"));        // 1 of 2 captions hallucinates
        assertEquals(1 / 3.0, m.get("all.chair_i"), 1e-12); // 1 of 3 mentions
        assertEquals(2 / 3.0, m.get("all.recall"), 1e-12);  // (1 + 1) of (2 + 1) ground-truth objects
        assertEquals(3.5, m.get("all.mean_length"));       // (6 + 1) words / 2
        assertEquals(Map.of("1", 1.0, "2", 0.0), b.units());
        assertThrows(IllegalArgumentException.class, () -> Benchmarks.score(r1, "a circle", null));
    }

    @Test
    void pairedComparisonMcNemarAndBootstrap() {
        Map<String, Double> base = new LinkedHashMap<>();
        Map<String, Double> conf = new LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            base.put("q" + i, i < 5 ? 1.0 : 0.0);
            conf.put("q" + i, i < 8 ? 1.0 : 0.0); // q5..q7 right under the config only: b = 0, c = 3
        }
        conf.put("extra", 1.0); // not in the baseline: not paired
        Significance.Paired p = Significance.paired(base, conf, true, 500, 7, 0.95);
        assertEquals(10, p.n());
        assertEquals(0.5, p.baseline());
        assertEquals(0.8, p.config());
        assertEquals(0.3, p.interval().difference(), 1e-12);
        assertEquals(0, p.mcnemar().baselineOnly());
        assertEquals(3, p.mcnemar().configOnly());
        assertEquals(0.25, p.mcnemar().p(), 1e-12); // 2 * (1/2)^3
        assertTrue(p.interval().lower() >= 0 && p.interval().upper() <= 0.6 + 1e-12);
        assertEquals(p, Significance.paired(base, conf, true, 500, 7, 0.95)); // seeded
        assertNull(Significance.paired(base, conf, false, 500, 7, 0.95).mcnemar());
        assertTrue(Double.isNaN(Significance.paired(base, Collections.emptyMap(), true, 10, 0, 0.95).baseline()));
    }

    /** LLaVA's converted TextVQA file carries no answers: those questions are in no metric (score scores them later). */
    @Test
    void questionsWithNothingToScoreAgainstAreLeftOut() {
        BenchmarkScores b = new BenchmarkScores("textvqa", TaskScore.OPEN, null)
                .add("1", null, null, new TaskScore.Reference("textvqa", TaskScore.OPEN, null, null, null), "dakota")
                .add("2", null, null, new TaskScore.Reference("textvqa", TaskScore.OPEN, null, null, java.util.Collections.nCopies(10, "dakota")), "dakota");
        BenchmarkScores.Metric all = b.metrics().get(0);
        assertEquals("vqa_accuracy", all.metric());
        assertEquals(1, all.n());
        assertEquals(1.0, all.value(), 1e-12);
        assertEquals(java.util.Set.of("2"), b.units().keySet());
    }
}
