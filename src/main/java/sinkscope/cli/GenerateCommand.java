package sinkscope.cli;

import ai.djl.ndarray.NDManager;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.Lmm;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/** {@code generate}: greedy answer for one image and prompt, optionally with VAR (then a one-line summary of what it did). */
final class GenerateCommand implements Main.Command {
    @Override
    public String summary() {
        return "greedy answer for one image + prompt (--var: with Visual Attention Redistribution)";
    }

    @Override
    public int run(Args a) throws Exception {
        ModelFlags.Sample in = ModelFlags.Sample.parse(a, false);
        int maxNew = a.integer("max-new-tokens", 32);
        boolean var = a.bool("var", false);
        VarParams params = var ? ModelFlags.varParams(a, in.config()) : null;
        a.requireAllUsed();
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
        return 0;
    }
}
