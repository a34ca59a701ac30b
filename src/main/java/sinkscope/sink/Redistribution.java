package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import sinkscope.model.ForwardStep;

/**
 * Visual Attention Redistribution (Stage 3). For a rewritten row {@code a = A[b,h,q,:]} with the item's sinks
 * {@code S = V ∪ X} (visual and text) and non-sink image keys {@code N = I \ V}:
 *
 * <pre>  budget = sum_{v in V} a[v] * (1-p) + sum_{x in X} a[x] * (1-p)
 *  W      = sum_{j in N} a[j]                         (no epsilon)
 *  a'[k]  = p * a[k]                                  k in S
 *  a'[j]  = a[j] + budget * (a[j] / W)                j in N
 *  a'[k]  = a[k]                                      any other key</pre>
 *
 * {@code p} and {@code 1-p} (formed in double) are applied as scalars in the attention's dtype, as the released
 * code does. Rows not rewritten keep their exact bits (the result is blended with {@code where}). A row with
 * {@code W = 0} (reachable only with rho = 1) is left unchanged instead of filling it with NaN as the released code
 * would. Sinks are per batch item (the released code merges them across the batch).
 */
public final class Redistribution {
    private Redistribution() {}

    /**
     * The rows VAR rewrites [B, H, Q] (boolean): the HeadFork selection {@code selected}, restricted during prefill to
     * query rows at absolute position {@code >= imageEnd} (text after the image); during decoding every selected row
     * (the new token). None on layer L-1 when {@code exceptLastLayer} (the documented intent).
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
        return selected.logicalAnd(positions.gte(step.imageEnd()));
    }

    /**
     * Rewrites the rows {@code rows} [B, H, Q] of {@code attn} [B, H, Q, K]; {@code sinks} hold the layer's sinks
     * found at prefill ([B, T], T &lt;= K, keys past T are never sinks). Returns a new array.
     */
    public static NDArray apply(NDArray attn, NDArray rows, SinkTokens sinks, int imageStart, int imageLength, double p) {
        long[] s = attn.getShape().getShape();
        if (s.length != 4 || rows.getShape().dimension() != 3 || rows.getShape().get(0) != s[0] || rows.getShape().get(1) != s[1]
                || rows.getShape().get(2) != s[2]) {
            throw new IllegalArgumentException("attention [B, H, Q, K] " + attn.getShape() + " and rows [B, H, Q] " + rows.getShape() + " disagree");
        }
        DataType dt = attn.getDataType();
        long b = s[0];
        long k = s[3];
        NDArray visual = SinkTokens.pad(sinks.visual(), k).reshape(b, 1, 1, k);
        NDArray text = SinkTokens.pad(sinks.text(), k).reshape(b, 1, 1, k);
        NDArray image = SinkTokens.imageMask(attn.getManager(), k, imageStart, imageStart + imageLength);
        NDArray nonSinkImage = visual.logicalNot().logicalAnd(image);

        NDArray visualSum = attn.mul(visual.toType(dt, false)).sum(new int[] {-1}, true);
        NDArray textSum = attn.mul(text.toType(dt, false)).sum(new int[] {-1}, true);
        NDArray budget = visualSum.mul(1.0 - p).add(textSum.mul(1.0 - p));
        NDArray w = attn.mul(nonSinkImage.toType(dt, false));
        NDArray total = w.sum(new int[] {-1}, true);
        NDArray gained = attn.add(budget.mul(w.div(total)));
        NDArray kept = attn.mul(p);
        NDArray rewritten = where(nonSinkImage, gained, where(visual.logicalOr(text), kept, attn));
        return where(rows.expandDims(3).logicalAnd(total.gt(0)), rewritten, attn);
    }

    /** {@code torch.where} with the condition broadcast to the values' shape (DJL's where does not broadcast). */
    static NDArray where(NDArray condition, NDArray x, NDArray y) {
        return NDArrays.where(condition.broadcast(x.getShape()), x, y);
    }
}
