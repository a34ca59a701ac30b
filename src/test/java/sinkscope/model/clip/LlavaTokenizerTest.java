package sinkscope.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;
import sinkscope.model.llava.LlavaConfig;

/** Token ids of the manifest's prompts, exactly as HF's fast tokenizer gives them. */
class LlavaTokenizerTest {

    @Test
    void matchesTheManifestPrompts() {
        JsonObject manifest = Golden.manifest(Golden.llava());
        LlavaConfig config = (LlavaConfig) sinkscope.model.auto.Families.config(Golden.llava());
        try (LlavaTokenizer tok = LlavaTokenizer.load(Golden.llava(), config.imageTokenIndex())) {
            int checked = 0;
            for (JsonElement e : manifest.getAsJsonArray("prompts")) {
                JsonObject p = e.getAsJsonObject();
                long[] expected = new long[p.getAsJsonArray("input_ids").size()];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = p.getAsJsonArray("input_ids").get(i).getAsLong();
                }
                assertArrayEquals(expected, tok.encode(p.get("text").getAsString()), p.get("text").getAsString());
                checked++;
            }
            assertEquals(manifest.getAsJsonArray("prompts").size(), checked);
        }
    }

    @Test
    void twoImagesAreRefused() {
        try (LlavaTokenizer tok = LlavaTokenizer.load(Golden.llava(), 32000)) {
            assertThrows(IllegalArgumentException.class, () -> tok.encode("USER: <image> <image>\nWhat? ASSISTANT:"));
        }
    }
}
