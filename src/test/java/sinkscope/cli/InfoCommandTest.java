package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;

class InfoCommandTest {

    private static String run(String... argv) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run(argv));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void describesTheRealLlava15_7bConfigWithoutWeights() {
        String out = run("info", "--model", Golden.referenceConfigs().resolve("llava-1.5-7b-hf.config.json").toString());
        assertTrue(out.contains("32 layers, 32 heads, 32 kv heads (head dim 128), hidden 4096, intermediate 11008, vocab 32064"), out);
        assertTrue(out.contains("image tokens: 576 per image (grid 24x24)"), out);
        assertTrue(out.contains("clip, 24 layers, 16 heads, hidden 1024, image 336x336, patch 14, feature layer -2 (default)"), out);
        // LLaVA-1.5-7B: 6.74 B language + 0.30 B CLIP ViT-L/14-336 + 0.02 B projector = 7.06 B
        assertTrue(out.contains("(7.06 B)"), out);
        assertTrue(out.contains("fp16 13.16 GiB"), out);
    }

    @Test
    void describesTheGoldenTinyCheckpointDirectory() {
        String out = run("info", "--model", Golden.llava().toString());
        assertTrue(out.contains("4 layers, 4 heads, 4 kv heads (head dim 16), hidden 64"), out);
        assertTrue(out.contains("image tokens: 36 per image"), out);
        assertTrue(out.contains("tau 20 unreachable"), out);
    }

    @Test
    void missingConfigIsAUsageError() {
        assertEquals(2, Main.run("info", "--model", "/nonexistent/dir"));
    }
}
