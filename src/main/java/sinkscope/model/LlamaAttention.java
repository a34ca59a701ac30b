package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * LlamaAttention, eager: {@code [q, k, v] = x [W_q; W_k; W_v]^T (+ [b_q; b_k; b_v])} as one product (the three
 * checkpoint projections stacked at load; {@link #qProj()} etc. are views of the stacked weight), split into heads,
 * (Qwen3: each head of q and k RMS-normalised over {@code head_dim}), RoPE on q and k, keys/values written into the
 * cache, {@code A = softmax(q k^T / sqrt(d) + mask)} in float32, then {@code o_proj(A v)}. A pass of one query row (a
 * decode step) rotates with one product of all {@code H + 2 kv} heads and the pass's per-head matrices
 * ({@link RotaryEmbedding#perHead}: {@code M / sqrt(d)} for q, {@code M} for k, the identity for v), so q arrives
 * scaled and the new keys and values side by side, written into the cache in one go; a longer pass rotates
 * elementwise and divides the scores by {@code sqrt(d)}. With grouped-query
 * attention the {@code r = heads/kvHeads} query heads of kv head {@code g} ({@code g*r .. g*r+r-1}, HF's repeat_kv) are
 * multiplied with that head's keys and values as one [r*Q, d] block, without repeating the cache. A hook that edits
 * scores ({@link AttentionHook#editsScores}) sees and may replace the masked float32 scores [B, heads, Q, K] before the
 * softmax (PAI, VAF); the hook sees and may replace {@code A} [B, heads, Q, K] before it multiplies V.
 *
 * <p>The causal mask is added only when it hides something (a pass of several rows, or a sliding window shorter than
 * the keys); a decode step of one row attends to every cached key and adds none. With a sliding window {@code W > 0}
 * (Mistral's {@code sliding_window}) query {@code i} sees keys {@code i - W < j <= i}, as transformers' sliding-window
 * causal mask: the keys further back get weight exactly 0 (they stay in the cache, so a sequence longer than the window
 * costs full-length attention, with the same result as Mistral's rolling cache). No window: every earlier key.
 *
 * <p>When the views of the projections require gradients (training sets them on {@code Llava#parameters()}), the
 * three products run separately on those views so that autograd reaches them; the results are the same.
 */
public final class LlamaAttention {
    private final Linear qkvProj;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final NDArray scale;
    private final int slidingWindow;
    private final RmsNorm qNorm;
    private final RmsNorm kNorm;

    /** {@code qkvProj} = {@link Linear#concat} of q_proj, k_proj, v_proj. */
    LlamaAttention(Linear qkvProj, Linear oProj, int heads, int kvHeads, int headDim, int slidingWindow) {
        this(qkvProj, oProj, heads, kvHeads, headDim, slidingWindow, null, null);
    }

    /** With Qwen3's per-head {@code q_norm} and {@code k_norm} (RMSNorm over {@code head_dim}, before the rotary), or null for none. */
    LlamaAttention(Linear qkvProj, Linear oProj, int heads, int kvHeads, int headDim, int slidingWindow, RmsNorm qNorm, RmsNorm kNorm) {
        this.qkvProj = qkvProj;
        long q = (long) heads * headDim;
        long kv = (long) kvHeads * headDim;
        this.qProj = qkvProj.rows(0, q);
        this.kProj = qkvProj.rows(q, q + kv);
        this.vProj = qkvProj.rows(q + kv, q + 2 * kv);
        this.oProj = oProj;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.slidingWindow = slidingWindow;
        this.qNorm = qNorm;
        this.kNorm = kNorm;
        // sqrt(d) as a float32 0-dim array beside the weights: the bits of the Python scalar, made once
        this.scale = qkvProj.weight().getManager().create((float) Math.sqrt(headDim));
    }

    /** The q_proj, k_proj and v_proj parameters: views of the stacked projection. */
    public Linear qProj() {
        return qProj;
    }

    public Linear kProj() {
        return kProj;
    }

    public Linear vProj() {
        return vProj;
    }

    public Linear oProj() {
        return oProj;
    }

    /** Qwen3's per-head q and k norms (null for none). */
    RmsNorm qNorm() {
        return qNorm;
    }

    RmsNorm kNorm() {
        return kNorm;
    }

    /**
     * {@code x} [B, Q, D] at positions {@code step.queryStart()..}; returns [B, Q, D]. {@code mask} (float32, additive,
     * broadcast to [B, H, Q, K]) replaces the causal mask when given: a padded batch's ({@link BatchedPrompts}).
     */
    NDArray forward(int layer, NDArray x, RotaryEmbedding.Rows rope, KvCache cache, ForwardStep step, AttentionHook hook, NDArray mask) {
        long b = x.getShape().get(0);
        int q = (int) x.getShape().get(1);
        int start = step.queryStart();
        int n = heads + 2 * kvHeads;
        NDArray qkv = project(x);
        NDArray query;
        NDArray newKv; // [B, 2 kvHeads, Q, d]: the rotated keys, then the values
        boolean scaled; // whether q already carries 1/sqrt(d)
        if (q == 1 && rope.heads() != null) {
            // one row: [B, 1, n*d] is [B, n, 1, d] in memory; one product with the per-head matrices rotates q and k,
            // scales q and passes v through, and leaves keys and values side by side as the cache holds them
            NDArray all = qkv.reshape(b, n, 1, headDim);
            if (qNorm != null) {
                NDList parts = Torch.split(all, 1, heads, kvHeads, kvHeads);
                all = NDArrays.concat(new NDList(qNorm.forward(parts.get(0)), kNorm.forward(parts.get(1)), parts.get(2)), 1);
            }
            NDList parts = Torch.split(all.matMul(rope.heads()), 1, heads, 2L * kvHeads);
            query = parts.get(0);
            newKv = parts.get(1);
            scaled = true;
        } else {
            NDArray all = qkv.reshape(b, q, n, headDim).transpose(0, 2, 1, 3); // [B, n, Q, d]
            NDList parts = Torch.split(all, 1, heads, kvHeads, kvHeads);
            NDArray qs = parts.get(0);
            NDArray ks = parts.get(1);
            if (qNorm != null) {
                qs = qNorm.forward(qs);
                ks = kNorm.forward(ks);
            }
            query = rope.apply(qs);
            newKv = NDArrays.concat(new NDList(rope.apply(ks), parts.get(2)), 1);
            scaled = false;
        }
        NDArray[] kv = cache.append(layer, newKv);
        NDArray keysT = kv[0];
        NDArray values = kv[1];
        int k = (int) values.getShape().get(2);
        int r = heads / kvHeads;
        // query heads grouped by their kv head: [B, kvHeads, r*Q, d]
        if (r > 1) {
            query = query.reshape(b, kvHeads, (long) r * q, headDim);
        }

        // the [B, H, Q, K] scores are the one array here that grows with S^2: scaled and masked in place (the same
        // kernels, so the same bits), and freed once the softmax has read them
        NDArray scores = query.matMul(keysT);
        if (!scaled) {
            scores.divi(scale);
        }
        // [B, kvHeads, r*Q, K] is [B, H, Q, K] in memory; the hook and a mask of several rows need the latter's shape
        boolean grouped = r > 1 && (hook != null || q > 1);
        if (grouped) {
            scores = scores.reshape(b, heads, q, k);
        }
        NDArray causal = mask != null ? null : q > 1 || (slidingWindow > 0 && k > slidingWindow) ? causalMask(x.getManager(), q, k, start, slidingWindow) : null;
        boolean edits = hook != null && hook.editsScores();
        NDArray attn;
        if (mask == null && causal == null && !edits) {
            attn = Torch.softmax32(scores, -1);
        } else {
            if (scores.getDataType() != DataType.FLOAT32) {
                NDArray wide = scores.toType(DataType.FLOAT32, false);
                scores.close();
                scores = wide;
            }
            if (mask != null || causal != null) {
                scores.addi(mask != null ? mask : causal);
            }
            if (edits) {
                NDArray edited = hook.onScores(layer, scores, step);
                if (edited != scores) {
                    scores.close();
                    scores = edited;
                }
            }
            attn = scores.softmax(-1);
        }
        scores.close();
        if (hook != null) {
            attn = hook.onAttention(layer, attn, step);
        }
        if (attn.getDataType() != values.getDataType()) {
            attn = attn.toType(values.getDataType(), false);
        }
        if (grouped) {
            attn = attn.reshape(b, kvHeads, (long) r * q, k);
        }
        NDArray out = attn.matMul(values); // [B, kvHeads, r*Q, d] = [B, H, Q, d]
        out = q == 1 ? out.reshape(b, 1, (long) heads * headDim) : out.reshape(b, heads, q, headDim).transpose(0, 2, 1, 3).reshape(b, q, (long) heads * headDim);
        return oProj.forward(out);
    }

    /** {@code rows} of a one-row pass with this attention's per-head matrices ({@link RotaryEmbedding#perHead}). */
    RotaryEmbedding.Rows perHead(RotaryEmbedding rope, RotaryEmbedding.Rows rows) {
        return rope.perHead(rows, heads, kvHeads, scale);
    }

    /** {@code [q, k, v]} [B, Q, (H + 2 kv) d]: the stacked product, or the three on their views while training. */
    private NDArray project(NDArray x) {
        if (!qProj.weight().hasGradient()) {
            return qkvProj.forward(x);
        }
        return NDArrays.concat(new NDList(qProj.forward(x), kProj.forward(x), vProj.forward(x)), -1);
    }

    int slidingWindow() {
        return slidingWindow;
    }

    /**
     * 0 where key {@code j <= start + i} (and, with a window {@code w > 0}, {@code j > start + i - w}), float32 min
     * elsewhere (HF's additive causal / sliding-window causal mask).
     */
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
