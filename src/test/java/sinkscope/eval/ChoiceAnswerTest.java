package sinkscope.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Option-letter extraction, each case traced through the rule it cites: LLaVA's llava/eval/eval_science_qa.py
 * (exact letter; letter + ". "; exactly one "The answer is X." match; get_pred_idx bounds), LLaVA's
 * scripts/convert_seed_for_submission.py (text == answer), and MMBench's can_infer (can_infer_option, then
 * can_infer_text).
 */
class ChoiceAnswerTest {

    @ParameterizedTest(name = "[{index}] scienceqa \"{0}\" ({1} options) -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "A|4|0",
        "C|3|2",
        // letter beyond the problem's choices: get_pred_idx gives -1
        "D|3|-1",
        // "B. " prefix (at least 3 characters)
        "B. a magnet|4|1",
        "`B.`|4|-1",
        "The answer is C.|4|2",
        // the regex needs one character after the letter
        "The answer is C|4|-1",
        // two matches of the regex: FAILED
        "The answer is A. The answer is B.|4|-1",
        // no trimming in eval_science_qa.py
        "` A`|4|-1",
        "a|4|-1",
        // only A..E are options
        "F|6|-1",
    })
    void scienceQa(String text, int options, int expected) {
        assertEquals(expected, ChoiceAnswer.scienceQa(text, options));
    }

    @ParameterizedTest(name = "[{index}] seed \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {"A|0", "D|3", "`A.`|-1", "` B`|-1", "E|-1", "b|-1"})
    void seedNeedsTheExactLetter(String text, int expected) {
        assertEquals(expected, ChoiceAnswer.seed(text, 4));
    }

    private static final List<String> OPTS = List.of("red circle", "blue square", "green triangle", "yellow star");

    @ParameterizedTest(name = "[{index}] mmbench \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "B|1",
        "(C) green triangle|2",
        "The answer is D.|3",
        // 'A' among more than 3 words may be the article: can_infer_option gives up, no option text occurs
        "A shape is shown here|-1",
        // A with at most 3 words is the letter
        "A. red circle|0",
        // two letters: ambiguous, and two option texts: still nothing
        "A or B|-1",
        // no letter: the single option text contained in the answer
        "it is a blue square|1",
        "a red circle and a yellow star|-1",
        "Cannot determine the answer|-1",
        "nothing|-1",
    })
    void mmbench(String text, int expected) {
        assertEquals(expected, ChoiceAnswer.mmbench(text, OPTS));
    }

    @ParameterizedTest(name = "[{index}] letter \"{0}\" -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "(a)|0", "(b) Closed|1", "B. open|1", "` c`|2", "(e)|-1", "Open|0", "the door is closed|1", "A cat|-1",
    })
    void leadingLetterThenText(String text, int expected) {
        assertEquals(expected, ChoiceAnswer.letter(text, List.of("Open", "Closed", "Ajar", "Gone")));
    }
}
