package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import sinkscope.model.AttentionHook;
import sinkscope.model.ForwardStep;
import sinkscope.model.Torch;

/**
 * VAR inside the decoder, as the authors' LLaVA wires it: Stage 1 ({@link SinkTokens}) on the hidden state entering
 * layers {@code sinkLayersFrom..L-1} during the prefill pass only; Stage 2 ({@link ImageCentricHeads}) and Stage 3
 * ({@link Redistribution}) on every layer's post-softmax attention, in the prefill pass and in every decode step,
 * with the sinks found at prefill (decode steps never detect sinks). Both stages are made per layer once per sample,
 * at prefill, and applied to the prefill's attention (only its rows after the image can change) and to every decode
 * step's; the rows VAR rewrites are rewritten in place, with no host synchronisation after the prefill.
 *
 * <p>State is per sample: a prefill step ({@code onStep} with {@code step.isPrefill()}) starts a new sample and drops
 * what the previous one left ({@link #reset()} does the same explicitly). The sink masks and the records live in a
 * sub-manager of the manager given at construction, closed by {@link #reset()} and {@link #close()}; the constants
 * (thresholds as 0-dim arrays, the sink detector's) in a second one, made once and closed by {@link #close()}.
 *
 * <p>Recorded for inspection (small boolean/uint8 arrays, one or two per layer and step): the sinks of every layer,
 * HeadFork's selection and the rewritten rows of the prefill pass per (layer, item, head, query), and per decode step
 * a flag per (layer, item, head). Samples without an image pass through unchanged.
 */
public final class VarHook implements AttentionHook, AutoCloseable {
    private final NDManager parent;
    private final VarParams params;
    private final boolean record;
    private final NDManager constants;
    private final SinkTokens.Detector detector;
    private VarConstants scalars;
    private NDManager state;
    private SinkTokens[] sinks = new SinkTokens[0];
    private NDArray[] prefillHeadfork = new NDArray[0];
    private NDArray[] prefillVarRows = new NDArray[0];
    private final List<NDArray> decodeHeadfork = new ArrayList<>();
    private final List<NDArray> decodeVarRows = new ArrayList<>();
    private NDArray[] stepHeadfork;
    private NDArray[] stepVarRows;
    private int numLayers;
    private long batch = -1;
    private long tokens = -1;
    private long heads = -1;

    /** A hook that records its masks for inspection ({@link #sinkMask()}, {@link #summary()}, ...). */
    public VarHook(NDManager manager, VarParams params) {
        this(manager, params, true);
    }

    /**
     * With {@code record} false the hook only redistributes: HeadFork runs on the rows VAR may rewrite (at prefill the
     * rows after the image, while decoding the new row) and nothing is kept, which is what evaluation runs want.
     */
    public VarHook(NDManager manager, VarParams params, boolean record) {
        this.parent = manager;
        this.params = params;
        this.record = record;
        this.constants = manager.newSubManager();
        this.detector = new SinkTokens.Detector(constants, params);
        this.state = manager.newSubManager();
    }

    public VarParams params() {
        return params;
    }

    /** Drops every sink and record (a new sample). */
    public void reset() {
        state.close();
        state = parent.newSubManager();
        sinks = new SinkTokens[0];
        prefillHeadfork = new NDArray[0];
        prefillVarRows = new NDArray[0];
        decodeHeadfork.clear();
        decodeVarRows.clear();
        stepHeadfork = null;
        stepVarRows = null;
        stages = new Stages[0];
        numLayers = 0;
        batch = -1;
        tokens = -1;
        heads = -1;
    }

    /** VAR rewrites the rows it redistributes in place. */
    @Override
    public boolean rewritesAttention() {
        return true;
    }

    /**
     * The image end: VAR rewrites only prefill rows after the image, and Stage 1 reads the hidden states of every
     * position, which a continued prefill still hands it ({@link AttentionHook#onLayerInput}). A recording hook keeps
     * every row's masks: 0. Without an image VAR does nothing.
     */
    @Override
    public int prefillRowsFrom(ForwardStep step) {
        return record ? 0 : step.hasImage() ? step.imageEnd() : Integer.MAX_VALUE;
    }

    @Override
    public void onStep(ForwardStep step) {
        if (step.isPrefill()) {
            reset();
            numLayers = step.numLayers();
            sinks = new SinkTokens[numLayers];
            prefillHeadfork = new NDArray[numLayers];
            prefillVarRows = new NDArray[numLayers];
        } else {
            finishDecodeStep();
            if (numLayers == 0) {
                throw new IllegalStateException("VarHook: decode step " + step.index() + " without a prefill pass");
            }
            if (record) {
                stepHeadfork = new NDArray[numLayers];
                stepVarRows = new NDArray[numLayers];
            }
        }
    }

    @Override
    public void onLayerInput(int layer, NDArray hidden, ForwardStep step) {
        if (!step.isPrefill()) {
            return;
        }
        checkLayer(layer);
        batch = hidden.getShape().get(0);
        tokens = hidden.getShape().get(1);
        boolean unused = !record && params.exceptLastLayer() && layer == step.numLayers() - 1; // VAR skips it, nothing records it
        if (layer >= params.sinkLayersFrom() && step.hasImage() && !unused) {
            sinks[layer] = detector.detect(state, hidden, step.imageStart(), step.imageEnd());
        }
    }

    /**
     * Stages 2 and 3 on this layer's attention, rewriting the rows VAR redistributes in place (the array belongs to
     * the forward pass, which hands it to V next; see {@link AttentionHook}). Returns {@code attn}.
     */
    @Override
    public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
        checkLayer(layer);
        heads = attn.getShape().get(1);
        boolean active = sinks[layer] != null && step.hasImage();
        boolean last = params.exceptLastLayer() && layer == step.numLayers() - 1;
        if (!step.isPrefill() && record && stepHeadfork == null) {
            throw new IllegalStateException("VarHook: attention of decode step " + step.index() + " before onStep");
        }
        if (!active || !record && last) {
            return attn; // nothing selected or nothing rewritten, nothing to record: the records stay empty (zeros)
        }
        Stages st = stages(layer, attn, step);
        if (!record && !st.headFork().canSelect()) {
            return attn;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            if (!record) {
                if (step.isPrefill()) {
                    redistributeAfterImage(attn, null, st, step);
                } else {
                    Redistribution.apply(attn, st.headFork().select(attn), st.factors());
                }
            } else if (step.isPrefill()) {
                NDArray selected = st.headFork().select(attn);
                NDArray rows = Redistribution.rows(selected, layer, step, params);
                if (!last) {
                    redistributeAfterImage(attn, rows, st, step);
                }
                prefillHeadfork[layer] = keep(selected.squeeze(3));
                prefillVarRows[layer] = keep(rows.squeeze(3));
            } else {
                NDArray selected = st.headFork().select(attn);
                if (!last) {
                    Redistribution.apply(attn, selected, st.factors());
                }
                NDArray flags = selected.reshape(batch, heads);
                stepHeadfork[layer] = keep(flags);
                stepVarRows[layer] = last ? null : keep(flags);
            }
            return attn;
        }
    }

    /** Stages 2 and 3 of one layer for the current sample, made at its prefill from the sinks found there. */
    private record Stages(ImageCentricHeads headFork, Redistribution.Factors factors) {}

    private Stages[] stages = new Stages[0];

    private Stages stages(int layer, NDArray attn, ForwardStep step) {
        if (stages.length != numLayers) {
            stages = new Stages[numLayers];
        }
        if (stages[layer] == null) {
            SinkTokens s = sinks[layer];
            DataType dt = attn.getDataType();
            if (scalars == null || scalars.dtype != dt) {
                scalars = new VarConstants(constants, params, dt);
            }
            NDArray inImage = detector.imageMask(s.tokens(), step.imageStart(), step.imageEnd());
            stages[layer] = new Stages(ImageCentricHeads.of(state, s.visual(), step.imageStart(), step.imageLength(), params.headRule(), scalars),
                    Redistribution.factors(state, s, inImage, scalars));
        }
        return stages[layer];
    }

    /**
     * Stage 3 at prefill: only query rows at or after the image end are ever rewritten, so HeadFork (when {@code rows}
     * is null: the evaluation path) and the arithmetic run on that slice of {@code attn}, a view written in place; the
     * rows before it are not touched (same bits as the full-size computation, a fraction of its cost: the image is
     * most of the sequence).
     */
    private static void redistributeAfterImage(NDArray attn, NDArray rows, Stages st, ForwardStep step) {
        long first = Math.max(0, step.imageEnd() - step.queryStart());
        if (first >= attn.getShape().get(2)) {
            return;
        }
        long q = attn.getShape().get(2);
        NDArray tail = Torch.narrow(attn, 2, first, q);
        NDArray tailRows = rows != null ? Torch.narrow(rows, 2, first, q) : st.headFork().select(tail);
        Redistribution.apply(tail, tailRows, st.factors());
    }

    /** Moves {@code a} out of any enclosing {@link NDScope} (the runtime scopes every pass and layer) into the hook's state. */
    private NDArray own(NDArray a) {
        return ImageCentricHeads.own(state, a);
    }

    private NDArray keep(NDArray mask) {
        return own(mask.toType(DataType.UINT8, true));
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= numLayers) {
            throw new IllegalStateException("VarHook: layer " + layer + " outside 0.." + (numLayers - 1) + " (was onStep called for the prefill?)");
        }
    }

    private void finishDecodeStep() {
        if (stepHeadfork == null) {
            return;
        }
        decodeHeadfork.add(own(stackLayers(stepHeadfork, new Shape(batch, heads))));
        decodeVarRows.add(own(stackLayers(stepVarRows, new Shape(batch, heads))));
        for (int l = 0; l < numLayers; l++) {
            close(stepHeadfork[l]);
            close(stepVarRows[l]);
        }
        stepHeadfork = null;
        stepVarRows = null;
    }

    private static void close(NDArray a) {
        if (a != null) {
            a.close();
        }
    }

    private NDArray stackLayers(NDArray[] perLayer, Shape each) {
        NDList list = new NDList(perLayer.length);
        List<NDArray> zeros = new ArrayList<>();
        for (NDArray a : perLayer) {
            if (a == null) {
                NDArray z = state.zeros(each, DataType.UINT8);
                zeros.add(z);
                list.add(z);
            } else {
                list.add(a);
            }
        }
        NDArray stacked = NDArrays.stack(list);
        zeros.forEach(NDArray::close);
        return stacked;
    }

    private void requirePrefill() {
        if (!record) {
            throw new IllegalStateException("VarHook: made without recording (record = false), so it has no masks to report");
        }
        if (batch < 0) {
            throw new IllegalStateException("VarHook: no prefill pass was seen");
        }
    }

    /** Sinks of every layer found at prefill, [L, B, T] uint8 (layers before sinkLayersFrom are all 0). */
    public NDArray sinkMask() {
        requirePrefill();
        NDArray[] perLayer = new NDArray[numLayers];
        for (int l = 0; l < numLayers; l++) {
            perLayer[l] = sinks[l] == null ? null : sinks[l].all().toType(DataType.UINT8, true);
        }
        NDArray out = stackLayers(perLayer, new Shape(batch, tokens));
        Arrays.stream(perLayer).forEach(VarHook::close);
        return out;
    }

    /**
     * The sinks of {@code layer}: null before sinkLayersFrom, without an image, and on a last layer VAR skips when the
     * hook does not record.
     */
    public SinkTokens sinks(int layer) {
        checkLayer(layer);
        return sinks[layer];
    }

    /** HeadFork's selection in the prefill pass, [L, B, H, T] uint8, every query row (also the last layer). */
    public NDArray headforkMask() {
        return prefillRecord(prefillHeadfork);
    }

    /** Rows VAR rewrote in the prefill pass, [L, B, H, T] uint8. */
    public NDArray varRowsMask() {
        return prefillRecord(prefillVarRows);
    }

    private NDArray prefillRecord(NDArray[] perLayer) {
        requirePrefill();
        if (heads < 0) {
            throw new IllegalStateException("VarHook: no attention was seen");
        }
        return stackLayers(perLayer, new Shape(batch, heads, tokens));
    }

    /** Number of decode steps recorded so far. */
    public int decodeSteps() {
        finishDecodeStep();
        return decodeHeadfork.size();
    }

    /** HeadFork's flag of the single query row per decode step, [steps, L, B, H] uint8. */
    public NDArray decodeHeadforkMask() {
        return decodeRecord(decodeHeadfork);
    }

    /** Whether VAR rewrote the query row, per decode step, [steps, L, B, H] uint8. */
    public NDArray decodeVarRowsMask() {
        return decodeRecord(decodeVarRows);
    }

    private NDArray decodeRecord(List<NDArray> steps) {
        finishDecodeStep();
        requirePrefill();
        if (steps.isEmpty()) {
            return state.zeros(new Shape(0, numLayers, batch, Math.max(heads, 0)), DataType.UINT8);
        }
        return NDArrays.stack(new NDList(steps));
    }

    /** Counts per layer (summed over the batch) and per decode step, for printing. */
    public Summary summary() {
        requirePrefill();
        int[] visual = new int[numLayers];
        int[] text = new int[numLayers];
        int[] headfork = new int[numLayers];
        int[] rewritten = new int[numLayers];
        int[][] rewrittenHeads = new int[numLayers][];
        for (int l = 0; l < numLayers; l++) {
            if (sinks[l] != null) {
                visual[l] = count(sinks[l].visual());
                text[l] = count(sinks[l].text());
            }
            headfork[l] = prefillHeadfork[l] == null ? 0 : count(prefillHeadfork[l]);
            rewritten[l] = prefillVarRows[l] == null ? 0 : count(prefillVarRows[l]);
            rewrittenHeads[l] = prefillVarRows[l] == null ? new int[0] : activeHeads(prefillVarRows[l]);
        }
        finishDecodeStep();
        int[] decode = new int[decodeVarRows.size()];
        for (int i = 0; i < decode.length; i++) {
            decode[i] = count(decodeVarRows.get(i));
        }
        return new Summary(visual, text, headfork, rewritten, rewrittenHeads, decode);
    }

    private static int count(NDArray mask) {
        try (NDArray n = mask.toType(DataType.INT64, false).sum()) {
            return (int) n.getLong();
        }
    }

    private static int[] activeHeads(NDArray rows) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            boolean[] any = rows.toType(DataType.INT32, false).sum(new int[] {2}).sum(new int[] {0}).gt(0).toBooleanArray();
            return java.util.stream.IntStream.range(0, any.length).filter(h -> any[h]).toArray();
        }
    }

    /**
     * What VAR did to one sample: visual/text sinks per layer, HeadFork rows and rewritten rows of the prefill per
     * layer, the heads with a rewritten row per layer, rewritten rows per decode step.
     */
    public record Summary(int[] visualSinks, int[] textSinks, int[] headforkRows, int[] varRows, int[][] varHeads, int[] decodeVarRows) {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("layer  visual-sinks  text-sinks  headfork-rows  var-rows  var-heads\n");
            for (int l = 0; l < visualSinks.length; l++) {
                sb.append(String.format(Locale.ROOT, "%5d  %12d  %10d  %13d  %8d  %s%n", l, visualSinks[l], textSinks[l], headforkRows[l],
                        varRows[l], Arrays.toString(varHeads[l])));
            }
            sb.append("decode rows rewritten per step: ").append(Arrays.toString(decodeVarRows));
            return sb.toString();
        }

        /** One line: visual sinks per layer, selected heads per layer, rewritten rows at prefill and while decoding. */
        public String oneLine() {
            int[] heads = new int[varHeads.length];
            for (int l = 0; l < varHeads.length; l++) {
                heads[l] = (int) Arrays.stream(varHeads[l]).filter(n -> n > 0).count();
            }
            return "visual sinks per layer " + Arrays.toString(visualSinks) + ", text sinks " + Arrays.toString(textSinks)
                    + ", heads redistributed per layer " + Arrays.toString(heads) + ", prefill rows " + Arrays.toString(varRows)
                    + ", decode rows per step " + Arrays.toString(decodeVarRows);
        }
    }

    @Override
    public void close() {
        state.close();
        constants.close();
    }
}
