package sinkscope.model.decoding;

import java.util.Locale;

/**
 * How the next token is chosen from a step's scores.
 *
 * <ul>
 *   <li>{@link Mode#GREEDY}: {@code argmax} (the default; nothing else may be set);
 *   <li>{@link Mode#SAMPLE}: transformers' warpers in its order, temperature ({@code s / T}, skipped at 1), top-k
 *       ({@code s < kth largest -> -inf}, 0 = off), top-p (sorted ascending, tokens whose cumulative probability is
 *       {@code <= 1 - p} removed, the most likely always kept; 1 = off), then {@code softmax} and one draw from
 *       {@link Draws} (seeded by {@code seed}, or {@code replay} when given);
 *   <li>{@link Mode#BEAM}: transformers 5's beam search ({@code num_beams}, {@code length_penalty}: a finished
 *       hypothesis scores {@code sum log p / generated_length^length_penalty}, EOS included; early stopping off;
 *       see {@link BeamSearch}).
 * </ul>
 *
 * <p>Every sample run with a seed starts a fresh source from it: samples of one batch given the same seed draw the same
 * uniforms, so a job should derive a seed per sample (e.g. from the run's seed and the sample id).
 *
 * @param replay recorded draws to replay in place of the seeded source (tests against reference data), else null; it
 *     is consumed as it is read, so one replay serves one generation
 */
public record Decoding(Mode mode, double temperature, int topK, double topP, int numBeams, double lengthPenalty, long seed, Draws replay) {

    /** The decoding modes. */
    public enum Mode { GREEDY, SAMPLE, BEAM }

    public static final Decoding GREEDY = new Decoding(Mode.GREEDY, 1, 0, 1, 1, 1, 0, null);

    public Decoding {
        if (mode == null) {
            throw new IllegalArgumentException("decoding mode must be given (greedy, sample or beam)");
        }
        String at = "decoding " + mode.name().toLowerCase(Locale.ROOT) + ": ";
        if (mode != Mode.SAMPLE && (temperature != 1 || topK != 0 || topP != 1 || replay != null)) {
            throw new IllegalArgumentException(at + "sampling parameters (temperature " + temperature + ", top_k " + topK + ", top_p " + topP
                    + (replay != null ? ", replayed draws" : "") + ") apply to sampling only");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException(at + "temperature must be a finite number > 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException(at + "top_k must be >= 0 (0: off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException(at + "top_p must be in (0, 1], got " + topP);
        }
        if (numBeams < 1) {
            throw new IllegalArgumentException(at + "num_beams must be >= 1, got " + numBeams);
        }
        if (mode != Mode.BEAM && (numBeams != 1 || lengthPenalty != 1)) {
            throw new IllegalArgumentException(at + "num_beams " + numBeams + " and length_penalty " + lengthPenalty + " apply to beam search only");
        }
        if (!Double.isFinite(lengthPenalty)) {
            throw new IllegalArgumentException(at + "length_penalty must be finite, got " + lengthPenalty);
        }
    }

    /** Sampling with transformers' warpers ({@code topK} 0 and {@code topP} 1 turn them off), seeded. */
    public static Decoding sample(double temperature, int topK, double topP, long seed) {
        return new Decoding(Mode.SAMPLE, temperature, topK, topP, 1, 1, seed, null);
    }

    /** Beam search with {@code numBeams} beams and transformers' default length penalty (1.0). */
    public static Decoding beam(int numBeams) {
        return beam(numBeams, 1);
    }

    public static Decoding beam(int numBeams, double lengthPenalty) {
        return new Decoding(Mode.BEAM, 1, 0, 1, numBeams, lengthPenalty, 0, null);
    }

    /** This sampling configuration with recorded draws replayed in place of the seeded source. */
    public Decoding replaying(Draws draws) {
        return new Decoding(mode, temperature, topK, topP, numBeams, lengthPenalty, seed, draws);
    }

    /** The random source of one sample: the replayed draws, or a fresh source seeded by {@code seed}. */
    public Draws draws() {
        return replay != null ? replay : Draws.seeded(seed);
    }

    /** Rows a sample takes in the decode batch after its first step (its beams). */
    public int width() {
        return mode == Mode.BEAM ? numBeams : 1;
    }

    @Override
    public String toString() {
        return switch (mode) {
            case GREEDY -> "greedy";
            case SAMPLE -> String.format(Locale.ROOT, "sample(temperature=%s, top_k=%d, top_p=%s, seed=%d)", temperature, topK, topP, seed);
            case BEAM -> String.format(Locale.ROOT, "beam(num_beams=%d, length_penalty=%s)", numBeams, lengthPenalty);
        };
    }
}
