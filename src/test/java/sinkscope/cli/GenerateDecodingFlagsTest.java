package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;

/**
 * {@code generate --decoding}: beam search, OPERA and seeded sampling run on the golden LLaVA (a seed repeats its answer),
 * and flags of another mode or out of range are usage errors (exit 2) that name the flag.
 */
class GenerateDecodingFlagsTest {

    private static String[] args(String... extra) {
        Path dir = Golden.llava();
        String[] base = {"generate", "--model", dir.toString(), "--image", dir.resolve("images/image0_square.png").toString(), "--max-new-tokens", "4"};
        String[] out = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, out, base.length, extra.length);
        return out;
    }

    @Test
    void modesRunAndBadFlagsAreUsageErrors() {
        CliTest.Run beam = CliTest.run(args("--decoding", "beam", "--num-beams", "3"));
        assertEquals(0, beam.code(), beam.err());
        assertTrue(beam.err().contains("beam(num_beams=3, length_penalty=1.0): "), beam.err());
        CliTest.Run opera = CliTest.run(args("--decoding", "opera", "--num-beams", "2"));
        assertEquals(0, opera.code(), opera.err());
        assertTrue(opera.err().contains("opera(beams=2, candidates=5, sigma=50.0, alpha=1.0, threshold=15, window=512): "), opera.err());
        CliTest.Run operaSeed = CliTest.run(args("--decoding", "opera", "--seed", "3"));
        assertEquals(2, operaSeed.code());
        assertTrue(operaSeed.err().contains("--decoding opera: only --num-beams applies"), operaSeed.err());
        CliTest.Run a = CliTest.run(args("--decoding", "sample", "--temperature", "1.5", "--seed", "7"));
        CliTest.Run b = CliTest.run(args("--decoding", "sample", "--temperature", "1.5", "--seed", "7"));
        assertEquals(0, a.code(), a.err());
        assertTrue(a.err().contains("sample(temperature=1.5, top_k=0, top_p=1.0, seed=7): "), a.err());
        assertEquals(a.out(), b.out(), "one seed, one answer");

        CliTest.Run mixed = CliTest.run(args("--num-beams", "2"));
        assertEquals(2, mixed.code());
        assertTrue(mixed.err().contains("--num-beams/--length-penalty need --decoding beam"), mixed.err());
        CliTest.Run greedyTemp = CliTest.run(args("--decoding", "beam", "--temperature", "0.5"));
        assertEquals(2, greedyTemp.code());
        assertTrue(greedyTemp.err().contains("need --decoding sample"), greedyTemp.err());
        CliTest.Run topP = CliTest.run(args("--decoding", "sample", "--top-p", "1.5"));
        assertEquals(2, topP.code());
        assertTrue(topP.err().contains("top_p must be in (0, 1], got 1.5"), topP.err());
        CliTest.Run beams = CliTest.run(args("--decoding", "beam", "--num-beams", "0"));
        assertEquals(2, beams.code());
        assertTrue(beams.err().contains("num_beams must be >= 1, got 0"), beams.err());
        CliTest.Run mode = CliTest.run(args("--decoding", "nucleus"));
        assertEquals(2, mode.code());
        assertTrue(mode.err().contains("--decoding must be greedy, sample, beam or opera, got 'nucleus'"), mode.err());
    }
}
