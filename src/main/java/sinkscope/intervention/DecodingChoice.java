package sinkscope.intervention;

import java.util.List;
import java.util.Set;
import sinkscope.model.decoding.Decoding;

/**
 * The decoding parameters a logits-level intervention offers ({@link #PARAMETERS}), their checks and the
 * {@link Decoding} they make: {@code decoding} greedy | sample | beam; for sampling {@code temperature} (> 0; 1: off),
 * {@code topp} (in (0, 1]; 1: off) and {@code topk} (>= 0; 0: off), transformers' warpers; for beam search
 * {@code beams} (>= 1). A sampling parameter given with another mode, or {@code beams} without beam search, is an
 * error naming the config (keys are letters only, as config names need: {@code vcd_decodingsample_topp0.9}).
 */
final class DecodingChoice {
    private DecodingChoice() {}

    static final List<Parameter> PARAMETERS = List.of(
            Parameter.choice("decoding", "how the next token is chosen: greedy (argmax), sample (seeded, per sample and config), beam", "greedy", "sample",
                    "beam"),
            Parameter.number("temperature", 0, 1e6, "sampling: logits / temperature (> 0; 1: off)"),
            Parameter.number("topp", 0, 1, "sampling: nucleus top-p (in (0, 1]; 1: off)"),
            new Parameter("topk", 0, 1e9, true, false, null, "sampling: top-k (0: off)"),
            new Parameter("beams", 1, 1000, true, false, null, "beam search: number of beams"));

    /** A logits-level method's parameters: its own {@code first}, then {@link #PARAMETERS}. */
    static List<Parameter> after(Parameter... first) {
        List<Parameter> all = new java.util.ArrayList<>(List.of(first));
        all.addAll(PARAMETERS);
        return List.copyOf(all);
    }

    private static final Set<String> SAMPLING = Set.of("temperature", "topp", "topk");

    /** Fails, naming the config and the parameter, on a setting no decoding mode can run. */
    static void check(Settings s) {
        Decoding.Mode mode = mode(s);
        for (String p : s.given().keySet()) {
            if (SAMPLING.contains(p) && mode != Decoding.Mode.SAMPLE) {
                throw new IllegalArgumentException(s.config() + ": " + p + " applies to decoding=sample only, not " + word(s));
            }
            if (p.equals("beams") && mode != Decoding.Mode.BEAM) {
                throw new IllegalArgumentException(s.config() + ": beams applies to decoding=beam only, not " + word(s));
            }
        }
        if (!(s.value("temperature") > 0)) {
            throw new IllegalArgumentException(s.config() + ": temperature must be > 0, got " + Parameter.plain(s.value("temperature")));
        }
        if (!(s.value("topp") > 0)) {
            throw new IllegalArgumentException(s.config() + ": topp must be in (0, 1], got " + Parameter.plain(s.value("topp")));
        }
    }

    /** The decoding these settings give, a sampler seeded with {@code seed}. */
    static Decoding decoding(Settings s, long seed) {
        return switch (mode(s)) {
            case GREEDY -> Decoding.GREEDY;
            case SAMPLE -> Decoding.sample(s.value("temperature"), (int) s.value("topk"), s.value("topp"), seed);
            case BEAM -> Decoding.beam((int) s.value("beams"));
        };
    }

    private static Decoding.Mode mode(Settings s) {
        return Decoding.Mode.values()[(int) s.value("decoding")];
    }

    private static String word(Settings s) {
        return PARAMETERS.get(0).text(s.value("decoding"));
    }
}
