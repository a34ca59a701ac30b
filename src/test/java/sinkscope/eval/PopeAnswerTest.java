package sinkscope.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PopeAnswerTest {

    /** Cases worked by hand through eval_pope.py's steps (first sentence, drop ',', split(' '), no-words). */
    @ParameterizedTest(name = "[{index}] \"{0}\" -> pred {1}, strict {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "Yes|yes|yes",
        "yes|yes|yes",
        "No|no|no",
        "no|no|no",
        "No.|no|no",
        "Yes, there is a red circle in the image.|yes|yes",
        "No, there is not.|no|no",
        "There is not a red circle.|no|no",
        // eval_pope quirks kept on purpose
        "Yes, there is no doubt.|no|no",
        "Yes. No.|yes|yes",
        "NO|yes|other",
        "Not at all|yes|other",
        "Nope|yes|other",
        "yes,no|yes|other",
        "`no\nthere`|yes|other",
        "`No,`|no|no",
        "`..No`|yes|other",
        "Yes!|yes|yes",
        "There is a red circle.|yes|other",
        "``|yes|other",
        "` `|yes|other",
    })
    void parsesAsEvalPope(String answer, String pred, String strict) {
        assertEquals(pred, PopeAnswer.pred(answer));
        assertEquals(strict, PopeAnswer.strict(answer));
    }
}
