package sinkscope.model.auto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;

/** What each family tells the family-agnostic code through its config, read from the tiny golden checkpoints. */
class FamilySeamTest {

    /**
     * {@code --prompt-suffix auto}: lmms-eval's prompts for the Qwen-VL families (their published numbers), LLaVA-1.5's
     * for LLaVA, LLaVA-NeXT and InternVL (whose eval scripts ask LLaVA's short-answer and option-letter prompts).
     */
    @Test
    void suffixModeIsTheFamilys() {
        assertEquals("llava", Families.config(Golden.llava()).promptSuffixMode());
        assertEquals("llava", Families.config(Golden.llavaNextCheckpoint("mistral")).promptSuffixMode());
        assertEquals("qwen2_vl", Families.config(Golden.qwen2Vl()).promptSuffixMode());
        assertEquals("qwen2_vl", Families.config(Golden.qwen25VlCheckpoint()).promptSuffixMode());
        assertEquals("qwen2_vl", Families.config(Golden.qwen3VlCheckpoint()).promptSuffixMode());
        assertEquals("llava", Families.config(Golden.internVlCheckpoint()).promptSuffixMode());
        assertEquals(Path.of("config.json"), Families.config(Golden.qwen3VlCheckpoint()).file().getFileName());
    }
}
