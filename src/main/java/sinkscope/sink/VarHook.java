package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import sinkscope.model.AttentionHook;
import sinkscope.model.ForwardStep;

/**
 * VAR inside the decoder, as the authors' LLaVA wires it: Stage 1 ({@link SinkTokens}) on the hidden state entering
 * layers {@code sinkLayersFrom..L-1} during the prefill pass only; Stage 2 ({@link ImageCentricHeads}) and Stage 3
 * ({@link Redistribution}) on every layer's post-softmax attention, in the prefill pass and in every decode step,
 * with the sinks found at prefill (decode steps never detect sinks).
 *
 * <p>State is per sample: a prefill step ({@code onStep} with {@code step.isPrefill()}) starts a new sample and drops
 * what the previous one left ({@link #reset()} does the same explicitly). The sink masks and the records live in a
 * sub-manager of the manager given at construction, closed by {@link #reset()} and {@link #close()}.
 *
 * <p>Recorded for inspection (small boolean/uint8 arrays, one or two per layer and step): the sinks of every layer,
 * HeadFork's selection and the rewritten rows of the prefill pass per (layer, item, head, query), and per decode step
 * a flag per (layer, item, head). Samples without an image pass through unchanged.
 */
public final class VarHook implements AttentionHook, AutoCloseable {
    private final NDManager parent;
    private final VarParams params;
    private final boolean record;
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
        decodeConstants = new DecodeConstants[0];
        numLayers = 0;
        batch = -1;
        tokens = -1;
        heads = -1;
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
        if (layer >= params.sinkLayersFrom() && step.hasImage()) {
            sinks[layer] = SinkTokens.detect(state, hidden, params, step.imageStart(), step.imageEnd());
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
        SinkTokens s = sinks[layer];
        boolean active = s != null && step.hasImage();
        boolean last = params.exceptLastLayer() && layer == step.numLayers() - 1;
        if (!record) {
            if (active && !last) {
                if (step.isPrefill()) {
                    redistributePrefill(attn, null, s, step);
                } else {
                    decodeStep(layer, attn, s, step, true).close();
                }
            }
            return attn;
        }
        if (!step.isPrefill() && stepHeadfork == null) {
            throw new IllegalStateException("VarHook: attention of decode step " + step.index() + " before onStep");
        }
        if (!active) {
            return attn; // nothing selected, nothing rewritten: the records stay empty (zeros)
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            if (step.isPrefill()) {
                NDArray selected = ImageCentricHeads.select(attn, s.visual(), step.imageStart(), step.imageLength(), params);
                NDArray rows = Redistribution.rows(selected, layer, step, params);
                if (!last) {
                    redistributePrefill(attn, rows, s, step);
                }
                prefillHeadfork[layer] = keep(selected);
                prefillVarRows[layer] = keep(rows);
            } else {
                NDArray selected = decodeStep(layer, attn, s, step, !last);
                NDScope.register(selected);
                NDArray flags = selected.reshape(batch, heads);
                stepHeadfork[layer] = keep(flags);
                stepVarRows[layer] = last ? null : keep(flags);
            }
            return attn;
        }
    }

    /**
     * What a decode step needs of one layer's prefill sinks, built at its first decode step: the index of the prompt's
     * {@code t} keys (keys after it are generated tokens, never sinks or image, which VAR leaves as they are) and of the
     * image keys; HeadFork's visual-sink indicator over the image [B,1,1,Pa], the items with a visual sink [B,1,1,1]
     * ({@code null} when every item has one; {@code noVisual} when none has, so nothing is ever selected); Stage 3's
     * matrix {@code sums} [B,1,t,2] whose columns are {@code (1-p)} on sinks and 1 on non-sink image keys (so that
     * {@code a @ sums} = (budget, W)), the non-sink image indicator and each key's kept share ({@code p} on sinks, 1
     * elsewhere), both [B,1,1,t]; the thresholds and constants in the attention's dtype.
     */
    private record DecodeConstants(NDIndex prompt, NDIndex image, NDArray visualImage, NDArray hasVisual, boolean noVisual, NDArray sums,
            NDArray nonSinkImage, NDArray keep, NDArray ones, NDArray rho, NDArray summ, NDArray eps, NDArray zero) {}

    private DecodeConstants[] decodeConstants = new DecodeConstants[0];

    private DecodeConstants decodeConstants(int layer, SinkTokens s, ForwardStep step, NDArray attn) {
        if (decodeConstants.length != numLayers) {
            decodeConstants = new DecodeConstants[numLayers];
        }
        DecodeConstants c = decodeConstants[layer];
        if (c != null) {
            return c;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            DataType dt = attn.getDataType();
            long b = attn.getShape().get(0);
            long h = attn.getShape().get(1);
            int t = s.tokens();
            int im = step.imageStart();
            int end = step.imageEnd();
            NDArray visualImage = s.visual().get(new NDIndex(":, {}:{}", im, end));
            boolean[] itemHasVisual = visualImage.toType(DataType.INT32, false).sum(new int[] {1}).gt(0).toBooleanArray();
            boolean all = true;
            boolean none = true;
            for (boolean v : itemHasVisual) {
                all &= v;
                none &= !v;
            }
            NDArray image = SinkTokens.imageMask(state, t, im, end);
            NDArray nonSinkImage = s.visual().logicalNot().logicalAnd(image).toType(dt, false);
            NDArray sink = s.all().toType(dt, false);
            NDArray sums = NDArrays.stack(new NDList(sink.mul(1.0 - params.p()), nonSinkImage), 2).reshape(b, 1, t, 2);
            NDArray keep = NDArrays.where(s.all(), state.full(new Shape(b, t), (float) params.p(), dt), state.ones(new Shape(b, t), dt));
            c = new DecodeConstants(new NDIndex(":, :, :, :{}", t), new NDIndex(":, :, :, {}:{}", im, end),
                    visualImage.reshape(b, 1, 1, end - im).toType(dt, false),
                    all ? null : state.create(itemHasVisual).reshape(b, 1, 1, 1), none, sums,
                    nonSinkImage.reshape(b, 1, 1, t), keep.reshape(b, 1, 1, t), state.ones(new Shape(b, h, 1, t), dt),
                    state.create(params.rho()).toType(dt, false), state.create(params.summ()).toType(dt, false), state.create(1e-6),
                    state.zeros(new Shape(), dt));
            for (NDArray a : new NDArray[] {c.visualImage(), c.hasVisual(), c.sums(), c.nonSinkImage(), c.keep(), c.ones(), c.rho(), c.summ(),
                c.eps(), c.zero()}) {
                if (a != null) {
                    own(a);
                }
            }
        }
        decodeConstants[layer] = c;
        return c;
    }

    /**
     * Stages 2 and 3 for a decode step's single query row, in few device operations and without a host sync: HeadFork
     * as {@link ImageCentricHeads#select} (the same sums, bit for bit); then, when {@code rewrite}, every selected row
     * with {@code W > 0} multiplied in place by its coefficients over the prompt's keys,
     *
     * <pre>  (budget, W) = a @ sums,   c[k] = p (sinks),  1 + budget/W (non-sink image keys),  1 (other keys)</pre>
     *
     * which is {@link Redistribution#apply} up to rounding; rows not selected are multiplied by exactly 1 (their bits
     * stay). Returns the selection [B, H, 1, 1] (boolean, the caller closes it).
     */
    private NDArray decodeStep(int layer, NDArray attn, SinkTokens s, ForwardStep step, boolean rewrite) {
        DecodeConstants c = decodeConstants(layer, s, step, attn);
        if (c.noVisual()) {
            return attn.getManager().zeros(new Shape(attn.getShape().get(0), attn.getShape().get(1), 1, 1), DataType.BOOLEAN);
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray image = attn.get(c.image());
            NDArray summation = image.sum(LAST, true);
            NDArray portion = image.mul(c.visualImage()).sum(LAST, true).div(image.add(c.eps()).sum(LAST, true));
            NDArray selected = portion.lte(c.rho()).logicalAnd(summation.gte(c.summ()));
            if (c.hasVisual() != null) {
                selected = selected.logicalAnd(c.hasVisual());
            }
            if (rewrite) {
                NDArray head = attn.get(c.prompt());
                NDList sums = head.matMul(c.sums()).split(2, 3);
                NDArray budget = sums.get(0);
                NDArray total = sums.get(1);
                NDArray gate = selected.logicalAnd(total.gt(c.zero())).broadcast(c.ones().getShape());
                NDArray coef = NDArrays.where(gate, c.nonSinkImage().mul(budget.div(total)).add(c.keep()), c.ones());
                head.muli(coef);
            }
            NDScope.unregister(selected);
            return selected;
        }
    }

    private static final int[] LAST = {-1};

    /**
     * Stage 3 at prefill, in place: only query rows at or after the image end are ever rewritten, so HeadFork (when
     * {@code rows} is null: the evaluation path) and the arithmetic run on that slice and only its rewritten rows are
     * written back; the rows before it are not touched (same bits as the full-size computation, a fraction of its
     * cost: the image is most of the sequence).
     */
    private void redistributePrefill(NDArray attn, NDArray rows, SinkTokens s, ForwardStep step) {
        long q = attn.getShape().get(2);
        long first = Math.max(0, step.imageEnd() - step.queryStart());
        if (first >= q) {
            return;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDIndex tailRows = new NDIndex(":, :, {}:", first);
            NDArray tail = attn.get(tailRows);
            NDArray tailSelected = rows != null ? rows.get(tailRows)
                    : ImageCentricHeads.select(tail, s.visual(), step.imageStart(), step.imageLength(), params);
            if (!tailSelected.any().getBoolean()) {
                return;
            }
            attn.set(tailRows, Redistribution.apply(tail, tailSelected, s, step.imageStart(), step.imageLength(), params.p()));
        }
    }

    /** Moves {@code a} out of any enclosing {@link NDScope} (the runtime scopes every pass and layer) into the hook's state. */
    private NDArray own(NDArray a) {
        NDScope.unregister(a);
        a.attach(state);
        return a;
    }

    private NDArray keep(NDArray mask) {
        NDArray u8 = mask.toType(DataType.UINT8, true);
        NDScope.unregister(u8);
        u8.attach(state);
        return u8;
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

    /** The sinks of {@code layer} (null before sinkLayersFrom or without an image). */
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
    }
}
