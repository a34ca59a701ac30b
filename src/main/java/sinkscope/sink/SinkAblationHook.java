package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import sinkscope.model.AttentionHook;
import sinkscope.model.ForwardStep;

/**
 * Sink-token ablation (the paper's check that visual sink tokens carry little): in layers
 * {@code sinkLayersFrom..L-1}, text queries (query rows at absolute position {@code >= imageEnd}, in the prefill and
 * in every decode step) no longer attend to a set of image tokens. The attention to those keys is set to zero and the
 * row is renormalised to sum 1 ({@code a'[k] = a[k] * keep[k] / sum_j a[j] * keep[j]}; a row left with zero mass is
 * kept unchanged). Other rows, items with nothing to ablate and other layers keep their exact bits.
 *
 * <p>The ablated keys per layer and batch item are found at prefill, with the sinks of {@link SinkTokens}:
 * {@link Target#VISUAL_SINKS} masks the visual sink tokens; {@link Target#RANDOM_IMAGE_TOKENS} masks as many image
 * tokens that are not sinks, drawn uniformly without replacement by a {@link Random} seeded with
 * {@code seed + 1_000_003 * layer + item} (the same tokens for the same seed, whatever the order of the calls).
 * A prefill step starts a new sample.
 */
public final class SinkAblationHook implements AttentionHook, AutoCloseable {

    /** Which image tokens text queries stop attending to. */
    public enum Target {
        VISUAL_SINKS,
        RANDOM_IMAGE_TOKENS
    }

    private final NDManager parent;
    private final VarParams params;
    private final Target target;
    private final long seed;
    private final SinkTokens.Detector detector;
    private NDManager state;
    private NDArray[] ablated = new NDArray[0];

    /** Uses {@code params}' tau, sink dimensions and sinkLayersFrom (rho, summ and p play no part). */
    public SinkAblationHook(NDManager manager, VarParams params, Target target, long seed) {
        this.parent = manager;
        this.params = params;
        this.target = target;
        this.seed = seed;
        this.detector = new SinkTokens.Detector(manager, params);
        this.state = manager.newSubManager();
    }

    @Override
    public void onStep(ForwardStep step) {
        if (step.isPrefill()) {
            state.close();
            state = parent.newSubManager();
            ablated = new NDArray[step.numLayers()];
        }
    }

    @Override
    public void onLayerInput(int layer, NDArray hidden, ForwardStep step) {
        if (!step.isPrefill() || layer < params.sinkLayersFrom() || !step.hasImage()) {
            return;
        }
        if (layer >= ablated.length) {
            throw new IllegalStateException("SinkAblationHook: layer " + layer + " outside 0.." + (ablated.length - 1)
                    + " (was onStep called for the prefill?)");
        }
        try (SinkTokens sinks = detector.detect(state, hidden, step.imageStart(), step.imageEnd())) {
            ablated[layer] = target == Target.VISUAL_SINKS ? sinks.visual().duplicate() : randomImageTokens(sinks, layer, step);
            // the runtime scopes every layer: keep the mask for the decode steps
            NDScope.unregister(ablated[layer]);
            ablated[layer].attach(state);
        }
    }

    private NDArray randomImageTokens(SinkTokens sinks, int layer, ForwardStep step) {
        int batch = sinks.batch();
        int tokens = sinks.tokens();
        boolean[] mask = new boolean[batch * tokens];
        for (int b = 0; b < batch; b++) {
            boolean[] sink;
            try (NDArray row = sinks.all().get(b)) {
                sink = row.toBooleanArray();
            }
            List<Integer> candidates = new ArrayList<>();
            for (int t = step.imageStart(); t < step.imageEnd(); t++) {
                if (!sink[t]) {
                    candidates.add(t);
                }
            }
            int n = Math.min(sinks.visualPositions(b).length, candidates.size());
            Collections.shuffle(candidates, new Random(seed + 1_000_003L * layer + b));
            for (int i = 0; i < n; i++) {
                mask[b * tokens + candidates.get(i)] = true;
            }
        }
        return state.create(mask, new Shape(batch, tokens));
    }

    /** The keys ablated in {@code layer}, [B, T] boolean (null for layers without ablation). */
    public NDArray ablated(int layer) {
        return layer < ablated.length ? ablated[layer] : null;
    }

    /** The ablated attention, handed to the caller's {@link NDScope} (freed with the layer). */
    @Override
    public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
        NDArray out = ablate(layer, attn, step);
        if (out != attn) {
            NDScope.register(out);
        }
        return out;
    }

    private NDArray ablate(int layer, NDArray attn, ForwardStep step) {
        NDArray keys = ablated(layer);
        if (keys == null) {
            return attn;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            long[] s = attn.getShape().getShape();
            NDArray keep = SinkTokens.pad(keys, s[3]).logicalNot().reshape(s[0], 1, 1, s[3]).toType(attn.getDataType(), false);
            NDArray masked = attn.mul(keep);
            NDArray total = masked.sum(new int[] {-1}, true);
            NDArray positions = attn.getManager().arange(step.queryStart(), step.queryStart() + (int) s[2], 1, DataType.INT32);
            NDArray textRows = positions.gte(step.imageEnd()).reshape(1, 1, s[2], 1);
            NDArray anyKey = keys.toType(DataType.INT32, false).sum(new int[] {1}).gt(0).reshape(s[0], 1, 1, 1);
            NDArray rows = textRows.logicalAnd(anyKey).logicalAnd(total.gt(0));
            NDArray out = Redistribution.where(rows, masked.div(total), attn);
            NDScope.unregister(out);
            out.attach(attn.getManager());
            return out;
        }
    }

    @Override
    public void close() {
        state.close();
        detector.close();
    }
}
