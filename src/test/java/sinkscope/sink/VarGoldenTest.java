package sinkscope.sink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import sinkscope.Allclose;
import sinkscope.Golden;
import sinkscope.model.ForwardStep;
import sinkscope.model.SafeTensors;
import sinkscope.model.Torch;

/** The three VAR stages against golden/var-unit-a: every case of its manifest, every tensor it lists. */
class VarGoldenTest {
    static final Path dir = Golden.varUnit();
    static final JsonObject manifest = Golden.manifest(dir);
    static NDManager manager;

    @BeforeAll
    static void setUp() {
        Torch.configure(1);
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    /** The attn_out tolerance stated by the manifest ("... attn_out abs tol 1e-6 ..."). */
    static double attnTolerance() {
        Matcher m = Pattern.compile("attn_out abs tol ([0-9.eE+-]+)").matcher(manifest.get("tolerance").getAsString());
        if (!m.find()) {
            throw new IllegalStateException("manifest tolerance does not state the attn_out tolerance: " + manifest.get("tolerance"));
        }
        return Double.parseDouble(m.group(1));
    }

    static VarParams params(JsonObject c) {
        JsonObject p = c.getAsJsonObject("params");
        int[] dims = ints(manifest.getAsJsonObject("common").getAsJsonArray("dims"));
        return new VarParams(p.get("tau").getAsDouble(), p.get("rho").getAsDouble(), p.get("summ").getAsDouble(), p.get("p").getAsDouble(),
                p.get("except_last_layer").getAsBoolean(), dims, VarParams.HeadRule.OFFICIAL, 2);
    }

    static int[] ints(com.google.gson.JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    static Path inputsFile(JsonObject c) {
        return dir.resolve(manifest.getAsJsonObject("inputs").getAsJsonObject(c.get("inputs").getAsString()).get("file").getAsString());
    }

    static int im() {
        return manifest.getAsJsonObject("common").get("im").getAsInt();
    }

    static int pa() {
        return manifest.getAsJsonObject("common").get("pa").getAsInt();
    }

    static long[] u8(NDArray a) {
        byte[] b = a.toByteArray();
        long[] out = new long[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xff;
        }
        return out;
    }

    /** (b, h, q) of the set entries of a [B, H, Q] mask, lexicographic, flattened. */
    static long[] coords(long[] mask, long[] shape) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0) {
                out.add(i / (shape[1] * shape[2]));
                out.add(i / shape[2] % shape[1]);
                out.add(i % shape[2]);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    static long[] positions(long[] row) {
        return java.util.stream.IntStream.range(0, row.length).filter(i -> row[i] != 0).mapToLong(i -> i).toArray();
    }

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesTheGoldenData() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : manifest.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> checkCase(c)));
        }
        return tests.stream();
    }

    void checkCase(JsonObject c) {
        String name = c.get("name").getAsString();
        boolean decode = c.get("mode").getAsString().equals("decode");
        VarParams params = params(c);
        try (NDManager m = manager.newSubManager(); SafeTensors in = SafeTensors.open(inputsFile(c));
             SafeTensors exp = SafeTensors.open(dir.resolve(c.get("expected_file").getAsString()))) {
            NDArray hidden = in.load(m, "hidden_states");
            NDArray attn = in.load(m, "attn");
            VarReplay.Result r = VarReplay.run(m, hidden, attn, decode, im(), pa(), params);
            int layers = (int) hidden.getShape().get(0);
            long t = hidden.getShape().get(2);
            long[] sinkMask = u8(r.sinkMask());
            assertArrayEquals(exp.longs("sink_mask"), sinkMask, name + ": sink_mask");
            long[] hf = u8(r.headforkMask());
            long[] rows = u8(r.varRowsMask());
            assertArrayEquals(exp.longs("headfork_mask"), hf, name + ": headfork_mask");
            assertArrayEquals(exp.longs("var_rows_mask"), rows, name + ": var_rows_mask");
            long[] bhq = java.util.Arrays.copyOfRange(r.headforkMask().getShape().getShape(), 1, 4);
            int per = (int) (bhq[0] * bhq[1] * bhq[2]);
            for (int l = 0; l < layers; l++) {
                long[] sinkRow = java.util.Arrays.copyOfRange(sinkMask, (int) (l * t), (int) ((l + 1) * t));
                assertArrayEquals(exp.longs("sinks.L" + l), positions(sinkRow), name + ": sinks.L" + l);
                assertArrayEquals(exp.longs("headfork_coords.L" + l), coords(java.util.Arrays.copyOfRange(hf, l * per, (l + 1) * per), bhq),
                        name + ": headfork_coords.L" + l);
                assertArrayEquals(exp.longs("var_rows.L" + l), coords(java.util.Arrays.copyOfRange(rows, l * per, (l + 1) * per), bhq),
                        name + ": var_rows.L" + l);
            }
            float[] out = r.attnOut().toFloatArray();
            Allclose.assertClose(name + ": attn_out", out, exp.floats("attn_out"), attnTolerance(), 0);
            float[] input = attn.toFloatArray();
            int k = (int) attn.getShape().get(4);
            for (int row = 0; row < rows.length; row++) {
                if (rows[row] == 0) {
                    for (int j = row * k; j < (row + 1) * k; j++) {
                        assertEquals(Float.floatToRawIntBits(input[j]), Float.floatToRawIntBits(out[j]), name + ": row " + row + " not rewritten must keep its bits");
                    }
                }
            }
            if (exp.contains("attn_out_shipped_last")) {
                VarReplay.Result shipped = VarReplay.run(m, hidden, attn, decode, im(), pa(), params.withExceptLastLayer(false));
                Allclose.assertClose(name + ": attn_out_shipped_last", shipped.attnOut().get(layers - 1).toFloatArray(),
                        exp.floats("attn_out_shipped_last"), attnTolerance(), 0);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> headforkRatiosMatchTheDiagnostics() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : manifest.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            tests.add(DynamicTest.dynamicTest(c.get("name").getAsString(), () -> checkDiagnostics(c)));
        }
        return tests.stream();
    }

    void checkDiagnostics(JsonObject c) {
        String name = c.get("name").getAsString();
        VarParams params = params(c);
        try (NDManager m = manager.newSubManager(); SafeTensors in = SafeTensors.open(inputsFile(c));
             SafeTensors exp = SafeTensors.open(dir.resolve(c.get("expected_file").getAsString()))) {
            NDArray hidden = in.load(m, "hidden_states");
            NDArray attn = in.load(m, "attn");
            int layers = (int) hidden.getShape().get(0);
            NDList phi = new NDList();
            NDList summation = new NDList();
            NDList portion = new NDList();
            for (int l = 0; l < layers; l++) {
                phi.add(SinkScore.phi(hidden.get(l), params.sinkDims()));
                SinkTokens s = SinkTokens.detect(m, hidden.get(l), params, im(), im() + pa());
                ImageCentricHeads.Ratios r = ImageCentricHeads.ratios(attn.get(l), s.visual(), im(), pa(), VarParams.HeadRule.OFFICIAL);
                summation.add(r.summation());
                boolean hasVisual = l >= 2 && s.visualPositions(0).length > 0;
                portion.add(hasVisual ? r.portion() : r.portion().onesLike().neg());
            }
            float[] expPhi = exp.floats("diag.max_rms");
            float[] gotPhi = ai.djl.ndarray.NDArrays.stack(phi).toFloatArray();
            Allclose.assertClose(name + ": diag.max_rms", gotPhi, expPhi, 0, 1e-6);
            Allclose.assertClose(name + ": diag.summation", ai.djl.ndarray.NDArrays.stack(summation).toFloatArray(), exp.floats("diag.summation"),
                    attnTolerance(), 0);
            Allclose.assertClose(name + ": diag.portion", ai.djl.ndarray.NDArrays.stack(portion).toFloatArray(), exp.floats("diag.portion"),
                    attnTolerance(), 0);
        }
    }

    @Test
    void decodeStepsIgnoreTheDecodeHiddenState() {
        JsonObject c = null;
        for (JsonElement e : manifest.getAsJsonArray("cases")) {
            if (e.getAsJsonObject().get("mode").getAsString().equals("decode")) {
                c = e.getAsJsonObject();
                break;
            }
        }
        VarParams params = params(c);
        try (NDManager m = manager.newSubManager(); SafeTensors in = SafeTensors.open(inputsFile(c));
             SafeTensors exp = SafeTensors.open(dir.resolve(c.get("expected_file").getAsString()));
             VarHook hook = new VarHook(m, params)) {
            NDArray hidden = in.load(m, "hidden_states");
            NDArray attn = in.load(m, "attn");
            NDArray decodeHidden = in.load(m, "decode_hidden_states");
            int layers = (int) hidden.getShape().get(0);
            int t = (int) hidden.getShape().get(2);
            ForwardStep prefill = new ForwardStep(-1, 0, t, im(), im() + pa(), layers);
            ForwardStep step = new ForwardStep(0, t, 1, im(), im() + pa(), layers);
            hook.onStep(prefill);
            for (int l = 0; l < layers; l++) {
                hook.onLayerInput(l, hidden.get(l), prefill);
            }
            hook.onStep(step);
            NDList outs = new NDList();
            for (int l = 0; l < layers; l++) {
                hook.onLayerInput(l, decodeHidden.get(l), step);
                outs.add(hook.onAttention(l, attn.get(l).duplicate(), step)); // VAR rewrites in place
            }
            assertArrayEquals(exp.longs("sink_mask"), u8(hook.sinkMask()), "sink_mask after a decode step with a massive decode hidden state");
            assertArrayEquals(exp.longs("headfork_mask"), u8(hook.decodeHeadforkMask()), "decode headfork flags");
            assertArrayEquals(exp.longs("var_rows_mask"), u8(hook.decodeVarRowsMask()), "decode var-row flags");
            Allclose.assertClose("attn_out", ai.djl.ndarray.NDArrays.stack(outs).toFloatArray(), exp.floats("attn_out"), attnTolerance(), 0);
        }
    }
}
