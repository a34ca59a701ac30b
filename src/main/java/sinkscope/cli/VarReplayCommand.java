package sinkscope.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
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
@Command(name = "var-replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = "run sink detection, HeadFork and VAR on recorded hidden states and attention (safetensors in and out)")
public final class VarReplayCommand implements Callable<Integer> {
    @Option(names = "--inputs", paramLabel = "FILE", required = true, order = 1,
            description = "safetensors with hidden_states [L,B,T,D] and attn [L,B,H,Q,K]")
    Path inputs;
    @Option(names = "--out", paramLabel = "FILE", required = true, order = 2, description = "safetensors to write the masks and attn_out to")
    Path out;
    @Option(names = "--mode", paramLabel = "prefill|decode", required = true, order = 3, description = "the queries are the prompt (prefill) or one new token (decode)")
    String mode;
    @Option(names = "--image-start", paramLabel = "INT", required = true, order = 4, description = "first image token position (>= 0)")
    int imageStart;
    @Option(names = "--image-len", paramLabel = "INT", required = true, order = 5, description = "number of image tokens (> 0)")
    int imageLen;
    @Mixin
    VarFlags varFlags;

    @Override
    public Integer call() throws Exception {
        if (!mode.equals("prefill") && !mode.equals("decode")) {
            throw new UsageException("--mode expects prefill or decode, got '" + mode + "'");
        }
        if (imageStart < 0 || imageLen <= 0) {
            throw new UsageException("--image-start N (>= 0) and --image-len N (> 0) are required");
        }
        int[] dims = varFlags.dims();
        if (dims == null) {
            throw new UsageException("missing --sink-dims (comma-separated hidden dimensions, e.g. 1415,2533)");
        }

        Torch.configure(0);
        try (NDManager manager = NDManager.newBaseManager(); SafeTensors in = SafeTensors.open(inputs)) {
            NDArray hidden = in.load(manager, "hidden_states");
            NDArray attn = in.load(manager, "attn");
            VarParams params = varFlags.over(VarParams.official(dims), dims, (int) hidden.getShape().get(hidden.getShape().dimension() - 1));
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
        return Main.OK;
    }
}
