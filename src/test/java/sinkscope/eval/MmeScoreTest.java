package sinkscope.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MME as its official eval_tool/calculation.py defines it: parse_pred_ans (lower-case; "yes"/"no" exactly, else
 * "yes" in the first 4 characters, else "no" in them, else other), per subtask acc (per question) and acc_plus
 * (images with both questions right), score = 100 acc + 100 acc_plus, perception = sum of the 10 perception
 * subtasks, cognition = sum of the 4 cognition subtasks. Expected values worked by hand.
 */
class MmeScoreTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "Yes|yes", "no|no", "No, there is not.|no", "yes.|yes", "Not really|no", "There is one.|other",
        "I think yes|other", "nope|no", "Yesno|yes", "unknown|other", "snowy|no", "``|other", "`yes\n`|yes",
    })
    void parsesAsTheTool(String answer, String expected) {
        assertEquals(expected, MmeScore.parse(answer));
    }

    @Test
    void scoresSubtasksAndTotals() {
        MmeScore s = new MmeScore();
        // existence: image a both right, image b one of two -> acc 3/4, acc+ 1/2, score 75 + 50 = 125
        assertTrue(s.add("existence", "a.jpg", "Yes", "Yes"));
        assertTrue(s.add("existence", "a.jpg", "No", "No, there is not."));
        assertTrue(s.add("existence", "b.jpg", "yes", "yes"));
        assertFalse(s.add("existence", "b.jpg", "no", "Yes"));
        // count: 'There is one.' is other (wrong) -> acc 1/2, acc+ 0, score 50
        assertFalse(s.add("count", "c.jpg", "yes", "There is one."));
        assertTrue(s.add("count", "c.jpg", "no", "no"));
        // code_reasoning (cognition): both right -> 200
        s.add("code_reasoning", "d.png", "no", "Not really");
        s.add("code_reasoning", "d.png", "yes", "yes.");

        Map<String, MmeScore.Subtask> t = s.subtasks();
        assertEquals(0.75, t.get("existence").acc(), 1e-12);
        assertEquals(0.5, t.get("existence").accPlus(), 1e-12);
        assertEquals(125.0, t.get("existence").score(), 1e-9);
        assertEquals(50.0, t.get("count").score(), 1e-9);
        assertEquals(1, t.get("count").other());
        assertEquals(200.0, t.get("code_reasoning").score(), 1e-9);
        assertEquals(175.0, s.perception(), 1e-9);
        assertEquals(200.0, s.cognition(), 1e-9);
        assertEquals(2, s.perceptionSubtasks());
        assertEquals(1, s.cognitionSubtasks());
        assertEquals(0, s.imagesWithoutPair());
        s.add("existence", "e.jpg", "yes", "yes");
        assertEquals(1, s.imagesWithoutPair());
    }

    @Test
    void rejectsLabelsOtherThanYesNo() {
        assertThrows(IllegalArgumentException.class, () -> new MmeScore().add("count", "a", "maybe", "yes"));
    }
}
