package sinkscope.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sinkscope.model.AttentionHook;
import sinkscope.model.Capture;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.Inputs;
import sinkscope.model.KvCache;
import sinkscope.model.Lmm;
import sinkscope.model.Merged;
import sinkscope.model.Prefill;
import sinkscope.model.SafeTensorsWriter;
import sinkscope.sink.VarHook;
import sinkscope.sink.VarParams;

/**
 * {@code inspect}: one sample through the runtime, every intermediate written to a safetensors file (the format
 * anyone can compare with another implementation). With {@code --var} the run has VAR active and the file also
 * holds its masks. Beyond the documented tensors it writes {@code step_top16_values}/{@code step_top16_ids} [N, 16], the
 * largest logits of every greedy step, and with VAR the decode masks [N, L, H].
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = "run one image + prompt and write every intermediate tensor (and VAR masks with --var) to safetensors")
final class InspectCommand implements Callable<Integer> {
    @Mixin
    ModelFlags.ImageFlags image;
    @Mixin
    ModelFlags modelFlags;
    @Option(names = "--out", paramLabel = "FILE", order = 10, required = true, description = "the safetensors file to write")
    Path out;
    @Option(names = "--max-new-tokens", paramLabel = "INT", order = 50, defaultValue = "8", description = "greedy steps recorded (default: ${DEFAULT-VALUE})")
    int maxNew;
    @Option(names = "--var", paramLabel = "BOOL", order = 51, arity = "0..1", defaultValue = "false",
            description = "run with VAR and write its masks (its flags below) (default: ${DEFAULT-VALUE})")
    boolean var;
    @Mixin
    VarFlags varFlags;

    @Override
    public Integer call() throws Exception {
        if (!var && varFlags.given()) {
            throw new UsageException("the VAR flags (--sink-dims, --tau, --rho, ...) need --var");
        }
        ModelFlags.Sample in = modelFlags.sample(image.image, image.pixelValues, true);
        VarParams params = var ? varFlags.params(in.config()) : null;

        try (Lmm model = in.load(); NDManager m = model.newSampleManager(); KvCache cache = new KvCache(model.numLayers());
                Capture capture = new Capture(m, true, true); VarHook varHook = var ? new VarHook(m, params) : null) {
            Inputs inputs = in.inputs(m, model);
            long[] ids = inputs.inputIds();
            AttentionHook hook = AttentionHook.chain(varHook, capture);
            NDArray features = model.imageFeatures(m, inputs);
            Merged merged = model.merge(m, inputs, features);
            Prefill prefill = model.prefill(m, merged, cache, hook);

            SafeTensorsWriter w = new SafeTensorsWriter();
            NDArray pixels = inputs.pixelValues();
            // LLaVA's batch of one [1, 3, S, S] is written as [3, S, S]; Qwen2-VL's patches [N, C*T*P*P] and LLaVA-NeXT's
            // base image and tiles [1 + tiles, 3, S, S] as they are
            boolean one = inputs.imageGridThw() == null && pixels.getShape().dimension() == 4 && pixels.getShape().get(0) == 1;
            w.add("pixel_values", (one ? pixels.get(0) : pixels).toType(DataType.FLOAT32, false));
            if (inputs.imageGridThw() != null) {
                w.add("image_grid_thw", inputs.imageGridThw(), 1, 3);
            }
            if (inputs.width() > 0) {
                w.add("image_sizes", new long[] {inputs.height(), inputs.width()}, 2);
            }
            // per image-span position: the panel of its patch (0 = the gridRows x gridCols grid; LLaVA-NeXT 1 = the tile
            // mosaic) or -1 for a separator (LLaVA-NeXT's newline tokens)
            int[] kinds = inputs.layout().kinds();
            long[] kindsL = new long[kinds.length];
            for (int i = 0; i < kinds.length; i++) {
                kindsL[i] = kinds[i];
            }
            w.add("image_token_panel", kindsL, kindsL.length);
            w.add("input_ids", ids, ids.length);
            w.add("image_span", new long[] {merged.imageStart(), merged.imageEnd()}, 2);
            w.add("image_features", features.toType(DataType.FLOAT32, false));
            NDList hidden = new NDList();
            for (NDArray h : capture.layerInputs()) {
                hidden.add(h.get(0));
            }
            hidden.add(model.norm(prefill.lastHidden()).get(0));
            w.add("hidden_states", NDArrays.stack(hidden, 0).toType(DataType.FLOAT32, false));
            NDList attn = new NDList();
            for (NDArray x : capture.attentions()) {
                attn.add(x.get(0));
            }
            w.add("attentions", NDArrays.stack(attn, 0));
            w.add("logits_last", prefill.lastLogits().duplicate());
            Generation gen = model.greedy(m, merged, prefill, cache, new GenerateOptions(maxNew, false, 16, var), hook);
            w.add("generated_ids", gen.tokens(), gen.tokens().length);
            int n = gen.tokens().length;
            float[] topV = new float[n * 16];
            long[] topI = new long[n * 16];
            for (int s = 0; s < n; s++) {
                System.arraycopy(gen.topValues()[s], 0, topV, s * 16, 16);
                System.arraycopy(gen.topIds()[s], 0, topI, s * 16, 16);
            }
            w.add("step_top16_values", topV, n, 16);
            w.add("step_top16_ids", topI, n, 16);
            if (var) {
                w.add("sink_mask", varHook.sinkMask().squeeze(1));
                w.add("headfork_mask", varHook.headforkMask().squeeze(1));
                w.add("var_rows_mask", varHook.varRowsMask().squeeze(1));
                if (varHook.decodeSteps() > 0) {
                    w.add("decode_headfork_mask", varHook.decodeHeadforkMask().squeeze(2));
                    w.add("decode_var_rows_mask", varHook.decodeVarRowsMask().squeeze(2));
                }
            }
            w.write(out);
            System.out.printf("wrote %s: %d prompt ids, merged length %d, image rows [%d, %d), %d layers, generated %s%n", out, ids.length,
                    merged.length(), merged.imageStart(), merged.imageEnd(), model.numLayers(), java.util.Arrays.toString(gen.tokens()));
            if (var) {
                System.out.println("var: " + varHook.summary());
            }
        }
        return Main.OK;
    }
}
