package sinkscope.cli;

import ai.djl.ndarray.NDManager;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.Lmm;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/** {@code generate}: greedy answer for one image and prompt, optionally with VAR (then a one-line summary of what it did). */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "greedy answer for one image + prompt (--var: with Visual Attention Redistribution)")
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
    @Mixin
    VarFlags varFlags;

    @Override
    public Integer call() throws Exception {
        if (!var && varFlags.given()) {
            throw new UsageException("the VAR flags (--sink-dims, --tau, --rho, ...) need --var");
        }
        ModelFlags.Sample in = modelFlags.sample(image.image, image.pixelValues, false);
        VarParams params = var ? varFlags.params(in.config()) : null;
        try (Lmm model = in.load(); NDManager m = model.newSampleManager(); VarHook hook = var ? new VarHook(m, params) : null) {
            Generation g = model.generate(m, in.inputs(m, model), new GenerateOptions(maxNew, true, 0), hook);
            System.out.println(model.decodeText(g.tokens()).strip());
            System.err.printf("%d tokens %s; prefill %.0f ms, decode %.0f ms%n", g.tokens().length, java.util.Arrays.toString(g.tokens()),
                    g.prefillNanos() / 1e6, g.decodeNanos() / 1e6);
            if (hook != null) {
                VarHook.Summary s = hook.summary();
                System.err.println("var: " + params + "; " + s.oneLine());
            }
        }
        return Main.OK;
    }
}
