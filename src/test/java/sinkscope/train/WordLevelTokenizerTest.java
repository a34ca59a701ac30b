package sinkscope.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.model.clip.LlavaTokenizer;

/** The word-level tokenizer.json loads in DJL's Hugging Face tokenizer and encodes/decodes LLaVA prompts. */
class WordLevelTokenizerTest {

    @Test
    void encodesTheLlavaPromptAndDecodesAnswers(@TempDir Path dir) throws Exception {
        WordLevelTokenizer w = WordLevelTokenizer.synthetic();
        w.write(dir, 512);
        assertEquals(0, w.id("<unk>"));
        assertEquals(1, w.id("<s>"));
        assertEquals(2, w.id("</s>"));
        assertEquals(w.vocabSize() - 2, w.imageId());
        assertEquals(w.vocabSize() - 1, w.padId());
        try (LlavaTokenizer tok = LlavaTokenizer.load(dir, w.imageId())) {
            long[] ids = tok.encode("USER: <image>\nIs there a red circle in the image? ASSISTANT:");
            long[] expected = {1, w.id("USER"), w.id(":"), w.imageId(), w.id("Is"), w.id("there"), w.id("a"), w.id("red"), w.id("circle"),
                w.id("in"), w.id("the"), w.id("image"), w.id("?"), w.id("ASSISTANT"), w.id(":")};
            assertArrayEquals(expected, ids);
            assertArrayEquals(new long[] {1, w.id("Answer"), w.id("the"), w.id("question"), w.id("using"), w.id("a"), w.id("single"),
                w.id("word"), w.id("or"), w.id("phrase"), w.id(".")}, tok.encode("Answer the question using a single word or phrase."));
            assertArrayEquals(new long[] {1, 0, w.id("circle")}, tok.encode("zebra circle"));
            assertEquals("Yes", tok.decode(new long[] {w.id("Yes"), 2}));
            assertEquals("No", tok.decode(new long[] {w.id("No"), 2, w.padId()}));
            assertEquals("red", tok.decode(new long[] {w.id("red"), 2}));
        }
    }

    @Test
    void everyBenchmarkWordIsInTheVocabulary() {
        WordLevelTokenizer w = WordLevelTokenizer.synthetic();
        for (String word : WordLevelTokenizer.pretokenize(String.join(" ", sinkscope.data.SyntheticScene.COLORS) + " "
                + String.join(" ", sinkscope.data.SyntheticScene.SHAPES) + " What color is the square? What shape is the red object?")) {
            assertEquals(true, w.id(word) > 2, word);
        }
    }
}
