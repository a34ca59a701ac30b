package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import sinkscope.model.ForwardStep;
import sinkscope.model.Torch;

/**
 * Visual Attention Redistribution (Stage 3). For a rewritten row {@code a = A[b,h,q,:]} with the item's sinks
 * {@code S = V ∪ X} (visual and text) and non-sink image keys {@code N = I \ V}:
 *
 * <pre>  budget = sum_{k in S} a[k] * (1-p)                 (what the sinks give up)
 *  W      = sum_{j in N} a[j]                         (no epsilon)
 *  a'[k]  = a[k] * p                                  k in S
 *  a'[j]  = a[j] * (1 + budget / W)                   j in N   (= a[j] + budget * a[j] / W)
 *  a'[k]  = a[k]                                      any other key</pre>
 *
 * computed as one multiply of the row by a per-key coefficient, in place. This is the released code's arithmetic
 * up to rounding (it sums V and X separately and adds {@code budget * (a/W)}); rows not rewritten are multiplied by
 * exactly 1 and keep their bits. {@code p} and {@code 1-p} are rounded to the attention's dtype. A row with
 * {@code W = 0} (reachable only with rho = 1) is left unchanged instead of filling it with NaN as the released code
 * would. Sinks are per batch item (the released code merges them across the batch).
 */
public final class Redistribution {
    private static final int[] LAST = {-1};

    private Redistribution() {}

    /**
     * The per-key factors of one layer for one sample over the prompt's {@code t} keys, each [B, 1, 1, t] in the
     * attention's dtype: {@code 1-p} on sinks and 0 elsewhere ({@code sum(a * sinkShare)} is the budget), the non-sink
     * image indicator, each key's kept share ({@code p} on sinks, 1 elsewhere). Keys past {@code t} (generated
     * tokens) are never sinks or image. Arrays belong to the manager given to {@link #factors} (0 and 1 to the
     * constants').
     */
    public static final class Factors {
        private final long tokens;
        private final NDArray sinkShare;
        private final NDArray nonSinkImage;
        private final NDArray keep;
        private final NDArray zero;
        private final NDArray one;

        private Factors(long tokens, NDArray sinkShare, NDArray nonSinkImage, NDArray keep, NDArray zero, NDArray one) {
            this.tokens = tokens;
            this.sinkShare = sinkShare;
            this.nonSinkImage = nonSinkImage;
            this.keep = keep;
            this.zero = zero;
            this.one = one;
        }
    }

    /**
     * The factors of {@code sinks} (found on {@code t} tokens, the image keys {@code inImage} [t]) for attention of
     * {@code c}'s dtype; arrays go to {@code manager}.
     */
    static Factors factors(NDManager manager, SinkTokens sinks, NDArray inImage, VarConstants c) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            long b = sinks.batch();
            long t = sinks.tokens();
            Shape keys = new Shape(b, 1, 1, t);
            NDArray nonSinkImage = inImage.logicalXor(sinks.visual()); // visual sinks are image keys
            NDArray keep = NDArrays.where(sinks.all(), c.p.broadcast(b, t), c.one);
            return new Factors(t, own(manager, sinks.all().toType(c.dtype, false).mul(c.oneMinusP).reshape(keys)),
                    own(manager, nonSinkImage.toType(c.dtype, false).reshape(keys)), own(manager, keep.reshape(keys)), c.zero, c.one);
        }
    }

    /**
     * The rows VAR rewrites [B, H, Q, 1] (boolean): the HeadFork selection {@code selected} [B, H, Q, 1], restricted
     * during prefill to query rows at absolute position {@code >= imageEnd} (text after the image); during decoding
     * every selected row (the new token). None on layer L-1 when {@code exceptLastLayer} (the documented intent).
     */
    public static NDArray rows(NDArray selected, int layer, ForwardStep step, VarParams params) {
        if (params.exceptLastLayer() && layer == step.numLayers() - 1) {
            return selected.zerosLike();
        }
        if (!step.isPrefill()) {
            return selected;
        }
        long q = selected.getShape().get(2);
        NDArray positions = selected.getManager().arange(step.queryStart(), step.queryStart() + (int) q, 1, DataType.INT32);
        return selected.logicalAnd(positions.gte(step.imageEnd()).reshape(q, 1));
    }

    /**
     * Rewrites the rows {@code rows} [B, H, Q, 1] of {@code attn} [B, H, Q, K] in place ({@code K >= t}; keys past
     * {@code t} are left as they are). {@code attn} may be a view: the rows are written through it.
     */
    public static void apply(NDArray attn, NDArray rows, Factors f) {
        long[] s = attn.getShape().getShape();
        if (s.length != 4 || s[3] < f.tokens || !rows.getShape().equals(new Shape(s[0], s[1], s[2], 1))) {
            throw new IllegalArgumentException("attention [B, H, Q, K >= " + f.tokens + "] " + attn.getShape() + " and rows [B, H, Q, 1] "
                    + rows.getShape() + " disagree");
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray prompt = s[3] > f.tokens ? Torch.narrow(attn, 3, 0, f.tokens) : attn;
            NDArray budget = prompt.mul(f.sinkShare).sum(LAST, true);
            NDArray total = prompt.mul(f.nonSinkImage).sum(LAST, true);
            NDArray gate = rows.logicalAnd(total.gt(f.zero)).broadcast(prompt.getShape());
            NDArray coefficients = f.nonSinkImage.mul(budget.div(total)).add(f.keep);
            prompt.muli(NDArrays.where(gate, coefficients, f.one)); // torch.where broadcasts the scalar 1
        }
    }

    /** {@code torch.where} with the condition broadcast to the values' shape (DJL's where does not broadcast). */
    static NDArray where(NDArray condition, NDArray x, NDArray y) {
        return NDArrays.where(condition.broadcast(x.getShape()), x, y);
    }

    private static NDArray own(NDManager manager, NDArray a) {
        return ImageCentricHeads.own(manager, a);
    }
}
