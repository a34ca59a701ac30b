package sinkscope.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Expected values are the outputs of the official functions themselves: {@code processPunctuation} +
 * {@code processDigitArticle} of GT-Vision-Lab/VQA {@code PythonEvaluationTools/vqaEvaluation/vqaEval.py}, and
 * LLaVA's {@code llava/eval/m4c_evaluator.py} {@code EvalAIAnswerProcessor}, run by python3 on these inputs.
 */
class VqaNormalizerTest {

    @ParameterizedTest(name = "[{index}] \"{0}\" -> \"{1}\" / evalai \"{2}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // number words to digits, trailing period stripped
        "Two dogs.|2 dogs|2 dogs",
        // article dropped; EvalAI splits 's
        "the dog's toy|dog's toy|dog 's toy",
        // digit,digit: commas deleted (not spaced)
        "1,000|1000|1000",
        // ", " in the text: every punctuation mark is deleted
        "yes, sir!|yes sir|yes sir",
        // a period before a digit stays
        "3.5 m|3.5 m|3.5 m",
        "hello.world...|helloworld|helloworld",
        // '-' without a space next to it becomes a space; then 'a' is an article
        "a-b c|b c|b c",
        "(a) cat|cat|cat",
        // contractions
        "dont know|don't know|don't know",
        "ten/none|10 0|10 0",
        "no; maybe|no maybe|no maybe",
        "it's red?|it's red|it 's red",
        "rock-n-roll|rock n roll|rock n roll",
        "50%|50%|50%",
        // the periodStrip look-behind is really a look-ahead: the period after 3 goes
        "3. apples|3 apples|3 apples",
    })
    void matchesTheOfficialNormalization(String in, String vqa, String evalAi) {
        assertEquals(vqa, VqaNormalizer.normalize(in));
        assertEquals(evalAi, VqaNormalizer.evalAi(in));
    }

    @org.junit.jupiter.api.Test
    void tabsAndNewlinesAndAtMost32Periods() {
        assertEquals("cat", VqaNormalizer.normalize("\tThe  Cat\n"));
        // re.UNICODE (32) is passed as re.sub's count: only the first 32 of the 60 periods are removed
        String in = "x... ".repeat(20);
        String expected = "x x x x x x x x x x x. x... x... x... x... x... x... x... x... x...";
        assertEquals(expected, VqaNormalizer.normalize(in));
        assertEquals(expected, VqaNormalizer.evalAi(in));
    }
}
