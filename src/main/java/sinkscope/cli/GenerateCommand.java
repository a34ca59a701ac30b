package sinkscope.cli;

import ai.djl.ndarray.NDManager;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.Lmm;
import sinkscope.model.OperaDecoder;
import sinkscope.model.decoding.Decoding;
import sinkscope.model.decoding.Opera;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/**
 * {@code generate}: the answer for one image and prompt, greedy or as {@code --decoding} says (seeded sampling, beam
 * search, OPERA), optionally with VAR (then a one-line summary of what it did).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "answer for one image + prompt, greedy by default (--decoding sample|beam|opera; --var: with Visual Attention Redistribution)")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelFlags.ImageFlags image;
    @Mixin
    ModelFlags modelFlags;
    @Option(names = "--max-new-tokens", paramLabel = "INT", order = 50, defaultValue = "32", description = "answer length limit (default: ${DEFAULT-VALUE})")
    int maxNew;
    @Option(names = "--var", paramLabel = "BOOL", order = 51, arity = "0..1", defaultValue = "false",
            description = "generate with VAR (its flags below) (default: ${DEFAULT-VALUE})")
    boolean var;
    @Option(names = "--decoding", paramLabel = "MODE", order = 52, defaultValue = "greedy",
            description = "greedy, sample (seeded; --temperature, --top-k, --top-p, --seed), beam (--num-beams, --length-penalty) or opera (OPERA's "
                    + "beam search with its official settings; --num-beams) (default: ${DEFAULT-VALUE})")
    String decoding;
    @Option(names = "--temperature", paramLabel = "FLOAT", order = 53, description = "sampling temperature > 0 (default: 1)")
    Double temperature;
    @Option(names = "--top-k", paramLabel = "INT", order = 54, description = "sampling: keep the k most likely tokens, 0 = off (default: 0)")
    Integer topK;
    @Option(names = "--top-p", paramLabel = "FLOAT", order = 55, description = "sampling: nucleus mass in (0, 1], 1 = off (default: 1)")
    Double topP;
    @Option(names = "--seed", paramLabel = "INT", order = 56, description = "sampling seed (default: 0)")
    Long seed;
    @Option(names = "--num-beams", paramLabel = "INT", order = 57, description = "beam search: beams >= 1 (default: 4)")
    Integer numBeams;
    @Option(names = "--length-penalty", paramLabel = "FLOAT", order = 58, description = "beam search: exponent of the length normalisation (default: 1)")
    Double lengthPenalty;
    @Mixin
    VarFlags varFlags;

    /** The decoding the flags ask for; sampling or beam flags with another mode are usage errors. */
    Decoding decoding() {
        Decoding.Mode mode;
        try {
            mode = Decoding.Mode.valueOf(decoding.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--decoding must be greedy, sample, beam or opera, got '" + decoding + "'");
        }
        boolean sampling = temperature != null || topK != null || topP != null || seed != null;
        boolean beam = numBeams != null || lengthPenalty != null;
        if (sampling && mode != Decoding.Mode.SAMPLE || beam && mode != Decoding.Mode.BEAM) {
            throw new UsageException("--decoding " + decoding + ": " + (sampling ? "--temperature/--top-k/--top-p/--seed need --decoding sample"
                    : "--num-beams/--length-penalty need --decoding beam"));
        }
        try {
            return switch (mode) {
                case GREEDY -> Decoding.GREEDY;
                case SAMPLE -> Decoding.sample(temperature == null ? 1 : temperature, topK == null ? 0 : topK, topP == null ? 1 : topP, seed == null ? 0 : seed);
                case BEAM -> Decoding.beam(numBeams == null ? 4 : numBeams, lengthPenalty == null ? 1 : lengthPenalty);
            };
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        if (!var && varFlags.given()) {
            throw new UsageException("the VAR flags (--sink-dims, --tau, --rho, ...) need --var");
        }
        if (decoding.trim().equalsIgnoreCase("opera")) {
            return opera();
        }
        Decoding mode = decoding();
        ModelFlags.Sample in = modelFlags.sample(image.image, image.pixelValues, false);
        VarParams params = var ? varFlags.params(in.config()) : null;
        try (Lmm model = in.load(); NDManager m = model.newSampleManager(); VarHook hook = var ? new VarHook(m, params) : null) {
            Generation g = model.generate(m, in.inputs(m, model), new GenerateOptions(maxNew, true, 0).with(mode), hook);
            System.out.println(model.decodeText(g.tokens()).strip());
            System.err.printf("%s: %d tokens %s; prefill %.0f ms, decode %.0f ms%n", mode, g.tokens().length, java.util.Arrays.toString(g.tokens()),
                    g.prefillNanos() / 1e6, g.decodeNanos() / 1e6);
            if (hook != null) {
                VarHook.Summary s = hook.summary();
                System.err.println("var: " + params + "; " + s.oneLine());
            }
        }
        return Main.OK;
    }

    /** {@code --decoding opera}: OPERA's generation with the official settings ({@link Opera#OFFICIAL}), {@code --num-beams} beams. */
    private Integer opera() throws Exception {
        if (temperature != null || topK != null || topP != null || seed != null || lengthPenalty != null || var) {
            throw new UsageException("--decoding opera: only --num-beams applies (no sampling flags, --length-penalty or --var)");
        }
        Opera o = Opera.OFFICIAL;
        try {
            o = new Opera(numBeams == null ? o.beams() : numBeams, o.candidates(), o.sigma(), o.alpha(), o.threshold(), o.window());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        ModelFlags.Sample in = modelFlags.sample(image.image, image.pixelValues, false);
        try (Lmm model = in.load(); NDManager m = model.newSampleManager()) {
            OperaDecoder.Result r = OperaDecoder.generate(model, m, in.inputs(m, model), null, o, maxNew, true, false, null);
            System.out.println(model.decodeText(r.tokens()).strip());
            System.err.printf("%s: %d tokens %s; %d rollbacks, %d passes; prefill %.0f ms, decode %.0f ms%n", o, r.tokens().length,
                    java.util.Arrays.toString(r.tokens()), r.rollbacks().size(), r.passes(), r.generation().prefillNanos() / 1e6,
                    r.generation().decodeNanos() / 1e6);
        }
        return Main.OK;
    }
}
