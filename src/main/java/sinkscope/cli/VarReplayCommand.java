package sinkscope.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import sinkscope.model.CheckpointException;
import sinkscope.model.SafeTensors;
import sinkscope.model.SafeTensorsWriter;
import sinkscope.model.Torch;
import sinkscope.sink.VarParams;
import sinkscope.sink.VarReplay;

/**
 * {@code var-replay}: runs the three VAR stages on recorded tensors ({@code hidden_states} [L,B,T,D] and
 * {@code attn} [L,B,H,Q,K]) and writes {@code sink_mask} U8 [L,T] ([L,B,T] for B &gt; 1), {@code headfork_mask} and
 * {@code var_rows_mask} U8 [L,B,H,Q] and {@code attn_out} F32 [L,B,H,Q,K].
 */
public final class VarReplayCommand implements Main.Command {

    @Override
    public String summary() {
        return "run sink detection, HeadFork and VAR on recorded hidden states and attention (safetensors in and out)";
    }

    @Override
    public int run(Args args) throws Exception {
        Path inputs = args.path("inputs");
        Path out = args.path("out");
        String mode = args.required("mode");
        if (!mode.equals("prefill") && !mode.equals("decode")) {
            throw new Args.UsageException("--mode expects prefill or decode, got '" + mode + "'");
        }
        int imageStart = args.integer("image-start", -1);
        int imageLen = args.integer("image-len", -1);
        if (imageStart < 0 || imageLen <= 0) {
            throw new Args.UsageException("--image-start N (>= 0) and --image-len N (> 0) are required");
        }
        int[] dims = args.ints("sink-dims");
        if (dims == null) {
            throw new Args.UsageException("missing --sink-dims (comma-separated hidden dimensions, e.g. 1415,2533)");
        }
        VarParams defaults = VarParams.official(dims);
        VarParams params = new VarParams(args.number("tau", defaults.tau()), args.number("rho", defaults.rho()),
                args.number("summ", defaults.summ()), args.number("p", defaults.p()),
                args.bool("except-last-layer", defaults.exceptLastLayer()), dims,
                VarParams.HeadRule.parse(args.string("head-rule", "official")), defaults.sinkLayersFrom());
        args.requireAllUsed();

        Torch.configure(0);
        try (NDManager manager = NDManager.newBaseManager(); SafeTensors in = SafeTensors.open(inputs)) {
            NDArray hidden = in.load(manager, "hidden_states");
            NDArray attn = in.load(manager, "attn");
            params.checkHiddenSize((int) hidden.getShape().get(hidden.getShape().dimension() - 1));
            if (!params.tauReachable((int) hidden.getShape().get(hidden.getShape().dimension() - 1))) {
                System.err.printf("var-replay: warning: tau %s >= sqrt(D) = %.3f, no token can be a sink%n", params.tau(),
                        VarParams.maxPhi((int) hidden.getShape().get(hidden.getShape().dimension() - 1)));
            }
            VarReplay.Result r;
            try {
                r = VarReplay.run(manager, hidden, attn, mode.equals("decode"), imageStart, imageLen, params);
            } catch (IllegalArgumentException e) {
                throw CheckpointException.of(inputs, e.getMessage());
            }
            NDArray sinkMask = r.sinkMask().getShape().get(1) == 1 ? r.sinkMask().squeeze(1) : r.sinkMask();
            new SafeTensorsWriter()
                    .add("sink_mask", sinkMask)
                    .add("headfork_mask", r.headforkMask())
                    .add("var_rows_mask", r.varRowsMask())
                    .add("attn_out", r.attnOut().toType(DataType.FLOAT32, false))
                    .write(out);
            System.out.printf("var-replay: %s -> %s (%d layers, %s)%n", inputs, out, hidden.getShape().get(0), params);
        }
        return 0;
    }
}
