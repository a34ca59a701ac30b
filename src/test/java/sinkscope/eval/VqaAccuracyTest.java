package sinkscope.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The VQA accuracy acc = mean over the 10 leave-one-out subsets of min(1, matches among the other 9 / 3), as
 * defined by vqaEval.py (GT-Vision-Lab/VQA) and MMF's TextVQAAccuracyEvaluator (LLaVA's m4c_evaluator.py). The
 * expected values were worked by hand from that formula and agree with the two official scripts run on the same
 * inputs (python3).
 */
class VqaAccuracyTest {

    private static List<String> answers(Object... countsAndAnswers) {
        List<String> a = new ArrayList<>();
        for (int i = 0; i < countsAndAnswers.length; i += 2) {
            a.addAll(Collections.nCopies((Integer) countsAndAnswers[i], (String) countsAndAnswers[i + 1]));
        }
        return a;
    }

    private static void both(double expected, String pred, List<String> gts) {
        assertEquals(expected, VqaAccuracy.score(VqaAccuracy.Protocol.VQAV2, pred, gts), 1e-12, "vqav2");
        assertEquals(expected, VqaAccuracy.score(VqaAccuracy.Protocol.TEXTVQA, pred, gts), 1e-12, "textvqa");
    }

    @Test
    void leaveOneOutAverage() {
        // 2 of 10 match: each subset without a match has 2 matches -> 2/3 (8 subsets); without one of them 1/3 (2)
        // acc = (8 * 2/3 + 2 * 1/3) / 10 = 0.6
        both(0.6, "yes", answers(2, "yes", 8, "no"));
        // 3 matches ("two" normalizes to "2"): 3 subsets of 2/3, 7 of 1 -> 0.9
        both(0.9, "2", answers(2, "2", 1, "two", 7, "3"));
        // 1 match: the 9 subsets keeping it give 1/3, the one dropping it 0 -> 0.3
        both(0.3, "maroon", answers(1, "maroon", 9, "red"));
        both(1.0, "unanswerable", answers(4, "unanswerable", 6, "blue"));
        both(0.0, "green", answers(10, "red"));
        // normalization: article dropped and case folded on both sides -> "red one" matches 2 of 10 ("red one", "the red one")
        both(0.6, "The red one", List.of("red", "red", "red", "red one", "the red one", "dark red", "red", "maroon", "red", "red"));
    }

    @Test
    void vqav2NormalizesOnlyWhenTheHumanAnswersDisagree() {
        // vqaEval.py normalizes only if len(set(gtAnswers)) > 1: against ten identical "2" the raw "two" scores 0
        assertEquals(0.0, VqaAccuracy.score(VqaAccuracy.Protocol.VQAV2, "two", answers(10, "2")), 1e-12);
        // ... while one differing answer switches normalization on ("Two." -> "2" matches 9 of 10: acc 1)
        assertEquals(1.0, VqaAccuracy.score(VqaAccuracy.Protocol.VQAV2, "Two.", answers(9, "2", 1, "two")), 1e-12);
        // the TextVQA evaluator always normalizes
        assertEquals(1.0, VqaAccuracy.score(VqaAccuracy.Protocol.TEXTVQA, "two", answers(10, "2")), 1e-12);
    }

    @Test
    void vizwizNormalizesThePredictionOnly() {
        // VizWiz's vqaEval.py normalizes resAns but compares the annotation's answers as they are
        assertEquals(1.0, VqaAccuracy.score(VqaAccuracy.Protocol.VIZWIZ, "Unanswerable.", answers(10, "unanswerable")), 1e-12);
        assertEquals(0.0, VqaAccuracy.score(VqaAccuracy.Protocol.VIZWIZ, "two", answers(10, "two")), 1e-12,
                "the prediction becomes '2', the raw answers stay 'two'");
        // 'the dog' -> 'dog' matches the 4 raw 'dog' answers: 4 subsets of 1 (3 others match), 6 of 1 -> 1.0
        assertEquals(1.0, VqaAccuracy.score(VqaAccuracy.Protocol.VIZWIZ, "the dog", answers(4, "dog", 6, "cat")), 1e-12);
        // 2 raw matches: 0.6
        assertEquals(0.6, VqaAccuracy.score(VqaAccuracy.Protocol.VIZWIZ, "Blue", answers(2, "blue", 8, "unanswerable")), 1e-12);
    }

    @Test
    void meanPerAnswerType() {
        VqaAccuracy.Mean m = new VqaAccuracy.Mean().add(1.0, "yes/no").add(0.6, "yes/no").add(0.3, "unanswerable").add(0.0, "other");
        assertEquals(4, m.n());
        assertEquals(1.9 / 4, m.mean(), 1e-12);
        Map<String, Double> t = m.byType();
        assertEquals(List.of("other", "unanswerable", "yes/no"), List.copyOf(t.keySet()));
        assertEquals(0.0, t.get("other"), 1e-12);
        assertEquals(0.3, t.get("unanswerable"), 1e-12);
        assertEquals(0.8, t.get("yes/no"), 1e-12);
        assertEquals(2L, m.countByType().get("yes/no"));
        assertEquals(Double.NaN, new VqaAccuracy.Mean().mean());
        assertThrows(IllegalArgumentException.class, () -> VqaAccuracy.score(VqaAccuracy.Protocol.VQAV2, "a", List.of()));
    }
}
