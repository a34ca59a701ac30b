package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * LlamaAttention, eager: {@code q = q_proj(x), k = k_proj(x), v = v_proj(x)} split into heads, RoPE on q and k,
 * keys/values appended to the cache, each kv head repeated for {@code heads/kvHeads} consecutive query heads,
 * {@code A = softmax(q k^T / sqrt(d) + causal mask)} in float32, then {@code o_proj(A v)}. The hook sees and may
 * replace {@code A} before it multiplies V.
 *
 * <p>With a sliding window {@code W > 0} (Mistral's {@code sliding_window}) query {@code i} sees keys
 * {@code i - W < j <= i}, as transformers' sliding-window causal mask: the keys further back get weight exactly 0
 * (they stay in the cache, so a sequence longer than the window costs full-length attention, with the same result
 * as Mistral's rolling cache). No window: every earlier key.
 */
public final class LlamaAttention {
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final NDArray scale;
    private final int slidingWindow;

    LlamaAttention(Linear qProj, Linear kProj, Linear vProj, Linear oProj, int heads, int kvHeads, int headDim) {
        this(qProj, kProj, vProj, oProj, heads, kvHeads, headDim, 0);
    }

    LlamaAttention(Linear qProj, Linear kProj, Linear vProj, Linear oProj, int heads, int kvHeads, int headDim, int slidingWindow) {
        this.qProj = qProj;
        this.kProj = kProj;
        this.vProj = vProj;
        this.oProj = oProj;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.slidingWindow = slidingWindow;
        // sqrt(d) as a float32 0-dim array beside the weights: the bits of the Python scalar, made once
        this.scale = qProj.weight().getManager().create((float) Math.sqrt(headDim));
    }

    /**
     * {@code x} [B, Q, D] at positions {@code step.queryStart()..}; returns [B, Q, D]. {@code mask} (float32, additive,
     * broadcast to [B, H, Q, K]) replaces the causal mask when given: a padded batch's ({@link BatchedPrompts}).
     */
    NDArray forward(int layer, NDArray x, RotaryEmbedding.Rows rope, KvCache cache, ForwardStep step, AttentionHook hook, NDArray mask) {
        long b = x.getShape().get(0);
        int q = (int) x.getShape().get(1);
        int start = step.queryStart();
        NDArray query = rope.apply(split(qProj.forward(x), b, q, heads));
        NDArray key = rope.apply(split(kProj.forward(x), b, q, kvHeads));
        NDArray value = split(vProj.forward(x), b, q, kvHeads);
        NDArray[] kv = cache.append(layer, key, value);
        NDArray keys = repeatKv(kv[0]);
        NDArray values = repeatKv(kv[1]);
        int k = (int) keys.getShape().get(2);

        // the [B, H, Q, K] scores are the one array here that grows with S^2: scaled and masked in place (the same
        // kernels, so the same bits), and freed once the softmax has read them
        NDArray scores = query.matMul(keys.transpose(0, 1, 3, 2)).divi(scale);
        if (scores.getDataType() != DataType.FLOAT32) {
            NDArray wide = scores.toType(DataType.FLOAT32, false);
            scores.close();
            scores = wide;
        }
        if (mask != null) {
            scores.addi(mask);
        } else if (q > 1 || (slidingWindow > 0 && k > slidingWindow)) {
            scores.addi(causalMask(x.getManager(), q, k, start, slidingWindow));
        }
        NDArray attn = scores.softmax(-1);
        scores.close();
        if (hook != null) {
            attn = hook.onAttention(layer, attn, step);
        }
        if (attn.getDataType() != values.getDataType()) {
            attn = attn.toType(values.getDataType(), false);
        }
        NDArray out = attn.matMul(values).transpose(0, 2, 1, 3).reshape(b, q, (long) heads * headDim);
        return oProj.forward(out);
    }

    /** [B, Q, n*d] to [B, n, Q, d]. */
    private NDArray split(NDArray x, long b, int q, int n) {
        return x.reshape(b, q, n, headDim).transpose(0, 2, 1, 3);
    }

    /** HF repeat_kv: kv head {@code j} serves query heads {@code j*r .. j*r+r-1}. */
    private NDArray repeatKv(NDArray x) {
        int r = heads / kvHeads;
        return r == 1 ? x : x.repeat(1, r);
    }

    /**
     * 0 where key {@code j <= start + i} (and, with a window {@code w > 0}, {@code j > start + i - w}), float32 min
     * elsewhere (HF's additive causal / sliding-window causal mask).
     */
    int slidingWindow() {
        return slidingWindow;
    }

    static NDArray causalMask(NDManager m, int q, int k, int start, int window) {
        NDArray rows = m.arange(start, start + q, 1, DataType.INT64).reshape(q, 1);
        NDArray cols = m.arange(0, k, 1, DataType.INT64).reshape(1, k);
        NDArray masked = cols.gt(rows);
        if (window > 0) {
            masked = masked.logicalOr(cols.lte(rows.sub(window)));
        }
        return masked.toType(DataType.FLOAT32, false).mul(-Float.MAX_VALUE);
    }
}
