package sinkscope.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OptionAnswerTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" of {1} options -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "A|4|0",
        "B.|4|1",
        "(C)|4|2",
        "D) a red circle|4|3",
        "` C: blue `|4|2",
        "The answer is B.|4|1",
        "I think the answer is (D)|4|3",
        "E|4|-1",
        "A cat|4|-1",
        "a|4|-1",
        "AB|4|-1",
        "the answer is Bob|4|-1",
        "``|4|-1",
        "E|5|4",
    })
    void parsesOptionLetters(String answer, int options, int expected) {
        assertEquals(expected, OptionAnswer.parse(answer, options));
    }

    @Test
    void rejectsImpossibleOptionCounts() {
        assertEquals(-1, OptionAnswer.parse(null, 4));
        assertThrows(IllegalArgumentException.class, () -> OptionAnswer.parse("A", 0));
        assertThrows(IllegalArgumentException.class, () -> OptionAnswer.parse("A", 27));
    }
}
