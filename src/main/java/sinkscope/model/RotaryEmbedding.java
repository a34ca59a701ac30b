package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * LLaMA rotary position embedding in Hugging Face's {@code rotate_half} layout: dimension {@code i} pairs with
 * {@code i + d/2}; {@code inv_freq_i = 1 / theta^(2i/d)}, angle = position * inv_freq, and
 * {@code q' = q cos + rotate_half(q) sin} with {@code rotate_half([a, b]) = [-b, a]}. Tables are computed in
 * float32 on the device as HF does, for positions {@code 0..maxPositions-1}.
 *
 * <p>A pass of one query row (a decode step) rotates with one matrix product instead: {@code x' = x M} with
 * {@code M = diag(cos) + P diag(sin)}, {@code P} the signed permutation of {@code rotate_half} ({@code rotate_half(x) = x P}),
 * made once per pass from that position's rows; each output is {@code x_i cos_i + (+-x_j) sin_i} plus exact zeros, the
 * elementwise formula up to the GEMM's rounding of that two-term sum (at most one ulp).
 */
public final class RotaryEmbedding {
    private final NDArray cos; // [maxPositions, headDim]
    private final NDArray sin;
    private final int half;
    private final NDArray invFreq; // [headDim/2] float32
    private final NDArray eye; // [headDim, headDim] in the tables' dtype
    private final NDArray rotateHalf; // P: x P = rotate_half(x)

    public RotaryEmbedding(NDManager m, int headDim, double theta, int maxPositions, DataType dtype) {
        this.half = headDim / 2;
        NDArray exponent = m.arange(0, headDim, 2, DataType.INT64).toType(DataType.FLOAT32, false).div((float) headDim);
        this.invFreq = m.create(1f).div(m.create((float) theta).pow(exponent)); // 1 / theta^(2i/d), float32
        NDArray positions = m.arange(0, maxPositions, 1, DataType.INT64).toType(DataType.FLOAT32, false);
        NDArray freqs = positions.reshape(maxPositions, 1).matMul(invFreq.reshape(1, half));
        NDArray emb = freqs.concat(freqs, 1);
        this.cos = emb.cos().toType(dtype, false);
        this.sin = emb.sin().toType(dtype, false);
        float[] p = new float[headDim * headDim];
        for (int i = 0; i < half; i++) {
            p[(i + half) * headDim + i] = -1; // out_i = -x_{i+d/2}
            p[i * headDim + i + half] = 1; // out_{i+d/2} = x_i
        }
        this.rotateHalf = m.create(p, new Shape(headDim, headDim)).toType(dtype, false);
        this.eye = m.eye(headDim).toType(dtype, false);
    }

    public int maxPositions() {
        return (int) cos.getShape().get(0);
    }

    /**
     * The cos and sin rows [Q, headDim] (or [B, 1, Q, headDim]) of one forward pass's query positions; for a single
     * query row also {@code matrix}, {@code M} [headDim, headDim] (or [B, 1, headDim, headDim]), else null, and, once
     * a decoder has asked for them ({@link RotaryEmbedding#perHead}), {@code heads}: one matrix per head of its stacked
     * q|k|v projection, else null.
     */
    public record Rows(NDArray cos, NDArray sin, NDArray matrix, NDArray heads) {
        public Rows(NDArray cos, NDArray sin) {
            this(cos, sin, null, null);
        }

        public Rows(NDArray cos, NDArray sin, NDArray matrix) {
            this(cos, sin, matrix, null);
        }

        /** {@code x cos + rotate_half(x) sin} for {@code x} [B, heads, Q, headDim] (one product {@code x M} when Q = 1). */
        public NDArray apply(NDArray x) {
            if (matrix != null && x.getShape().get(2) == 1) {
                return x.matMul(matrix);
            }
            return x.mul(cos).add(rotateHalf(x).mul(sin));
        }
    }

    /**
     * The single-row {@code rows} with {@code heads} set to [n, headDim, headDim] (or [B, n, headDim, headDim]),
     * {@code n = qHeads + 2 kvHeads}: {@code M / scale} for each query head, {@code M} for each key head and the
     * identity for each value head, so that one product {@code [q; k; v] heads} (the stacked projection's heads
     * [B, n, 1, headDim]) rotates q and k, scales q by {@code 1/scale} (attention's {@code 1/sqrt(d)}) and passes v
     * through exactly (a product with 1 and exact zeros). Made once per pass, shared by every layer; rows without a
     * single-row matrix are returned as they are.
     */
    public Rows perHead(Rows rows, int qHeads, int kvHeads, NDArray scale) {
        NDArray m = rows.matrix();
        if (m == null) {
            return rows;
        }
        long[] s = m.getShape().getShape();
        boolean batch = s.length == 4; // [B, 1, d, d]: heads on axis 1; [d, d]: on a new axis 0
        Shape q = batch ? new Shape(s[0], qHeads, s[2], s[3]) : new Shape(qHeads, s[0], s[1]);
        Shape kv = batch ? new Shape(s[0], kvHeads, s[2], s[3]) : new Shape(kvHeads, s[0], s[1]);
        NDArray full = NDArrays.concat(new NDList(m.div(scale).broadcast(q), m.broadcast(kv), eye.broadcast(kv)), batch ? 1 : 0);
        return new Rows(rows.cos(), rows.sin(), m, full);
    }

    /** {@code cos}/{@code sin} rows with the single-row matrix {@code M} when they hold one position per batch row. */
    private Rows withMatrix(NDArray c, NDArray s) {
        long[] shape = c.getShape().getShape();
        if (shape[shape.length - 2] != 1) {
            return new Rows(c, s);
        }
        // column i of M: cos_i on the diagonal, +-sin_i where rotate_half takes output i from
        NDArray c4 = shape.length == 2 ? c : c.reshape(shape[0], 1, 1, shape[3]);
        NDArray s4 = shape.length == 2 ? s : s.reshape(shape[0], 1, 1, shape[3]);
        return new Rows(c, s, eye.mul(c4).add(rotateHalf.mul(s4)));
    }

    /** Rows of the 1-D positions {@code start..start+Q-1} (slices of the tables). */
    public Rows rows(int start, int q) {
        return withMatrix(Torch.narrow(cos, 0, start, start + q), Torch.narrow(sin, 0, start, start + q));
    }

    /**
     * The table rows of a batch: {@code positions[b][q]} (1-D positions, each below {@link #maxPositions()}) as
     * cos/sin [B, 1, Q, headDim], the same values as {@link #rows(int, int)} gives each row alone.
     */
    public Rows rows(NDManager m, long[][] positions) {
        int b = positions.length;
        int q = positions[0].length;
        long[] flat = new long[b * q];
        for (int i = 0; i < b; i++) {
            System.arraycopy(positions[i], 0, flat, i * q, q);
        }
        NDArray index = m.create(flat).toDevice(cos.getDevice(), false);
        return withMatrix(cos.get(index).reshape(b, 1, q, -1), sin.get(index).reshape(b, 1, q, -1));
    }

    /** Multimodal rotary positions (t, h, w), HF's {@code get_rope_index} for one prompt with (or without: {@code start < 0}) one image of {@code rows x cols} tokens. */
    public static long[][] multimodalPositions(int length, int start, int rows, int cols) {
        long[][] p = new long[3][length];
        int n = start < 0 ? 0 : rows * cols;
        for (int i = 0; i < length; i++) {
            if (start < 0 || i < start) {
                p[0][i] = p[1][i] = p[2][i] = i;
            } else if (i < start + n) {
                int k = i - start;
                p[0][i] = start;
                p[1][i] = start + k / cols;
                p[2][i] = start + k % cols;
            } else {
                long at = start + Math.max(rows, cols) + (i - start - n);
                p[0][i] = p[1][i] = p[2][i] = at;
            }
        }
        return p;
    }

    /** Per-sample rows [Q, headDim] (or [1, 1, Q, headDim]) stacked into batch rows [B, 1, Q, headDim]. */
    public static Rows stack(java.util.List<Rows> perSample) {
        NDList cos = new NDList();
        NDList sin = new NDList();
        for (Rows r : perSample) {
            long q = r.cos().getShape().get(r.cos().getShape().dimension() - 2);
            cos.add(r.cos().reshape(1, 1, q, -1));
            sin.add(r.sin().reshape(1, 1, q, -1));
        }
        return new Rows(NDArrays.concat(cos, 0), NDArrays.concat(sin, 0));
    }

    /**
     * Qwen2-VL's multimodal rotary rows: frequency {@code j} (of {@code headDim/2}) belongs to section
     * {@code s(j)} of {@code section} = {t, h, w} and turns with position {@code positions[s(j)][q]}, so
     * {@code angle[q, j] = positions[s(j)][q] * inv_freq_j} in float32 (HF: {@code inv_freq @ position_ids}, then
     * {@code cos.split(mrope_section * 2)} taking chunk {@code i} from row {@code i % 3}); both halves of the
     * head use the same angles. With equal rows this is the 1-D rotary at those positions.
     */
    public Rows rows(NDManager m, long[][] positions, int[] section) {
        return rows(m, positions, section, false);
    }

    /**
     * The multimodal rotary rows with the sections contiguous ({@code interleaved} false: as above) or, as Qwen3-VL's
     * {@code mrope_interleaved}, spread over the frequencies: frequency {@code j} turns with row h when
     * {@code j % 3 == 1} and {@code j < 3 section[1]}, with row w when {@code j % 3 == 2} and {@code j < 3 section[2]},
     * else with row t; {@code angle[q, j] = positions[row(j)][q] * inv_freq_j} in float32 (HF's
     * {@code recomposition_frequencies}).
     */
    public Rows rows(NDManager m, long[][] positions, int[] section, boolean interleaved) {
        if (!interleaved) {
            return contiguousRows(m, positions, section);
        }
        int sum = 0;
        for (int s : section) {
            sum += s;
        }
        if (section.length != 3 || sum != half) {
            throw new IllegalArgumentException("mrope_section " + java.util.Arrays.toString(section) + " must be 3 sections summing to head_dim/2 = " + half);
        }
        int q = positions[0].length;
        float[][] masks = new float[3][half];
        for (int j = 0; j < half; j++) {
            int axis = j % 3 == 1 && j < 3 * section[1] ? 1 : j % 3 == 2 && j < 3 * section[2] ? 2 : 0;
            masks[axis][j] = 1;
        }
        NDArray freqs = null;
        for (int a = 0; a < 3; a++) {
            NDArray pos = m.create(positions[a % positions.length]).toDevice(invFreq.getDevice(), false).toType(DataType.FLOAT32, false).reshape(q, 1);
            // each angle one float32 product, as HF's; the 0/1 masks pick the axis exactly
            NDArray part = pos.matMul(invFreq.reshape(1, half)).mul(m.create(masks[a]).toDevice(invFreq.getDevice(), false).reshape(1, half));
            freqs = freqs == null ? part : freqs.add(part);
        }
        NDArray emb = freqs.concat(freqs, 1);
        return withMatrix(emb.cos().toType(cos.getDataType(), false), emb.sin().toType(cos.getDataType(), false));
    }

    private Rows contiguousRows(NDManager m, long[][] positions, int[] section) {
        int q = positions[0].length;
        NDList parts = new NDList();
        int at = 0;
        for (int s = 0; s < section.length; s++) {
            NDArray pos = m.create(positions[s % positions.length]).toDevice(invFreq.getDevice(), false).toType(DataType.FLOAT32, false).reshape(q, 1);
            NDArray freq = invFreq.get(new NDIndex("{}:{}", at, at + section[s])).reshape(1, section[s]);
            parts.add(pos.matMul(freq));
            at += section[s];
        }
        if (at != half) {
            throw new IllegalArgumentException("mrope_section " + java.util.Arrays.toString(section) + " sums to " + at + ", not head_dim/2 = " + half);
        }
        NDArray freqs = NDArrays.concat(parts, 1);
        NDArray emb = freqs.concat(freqs, 1);
        return withMatrix(emb.cos().toType(cos.getDataType(), false), emb.sin().toType(cos.getDataType(), false));
    }

    private static NDArray rotateHalf(NDArray x) {
        long half = x.getShape().get(x.getShape().dimension() - 1) / 2;
        NDArray a = x.get(new NDIndex("..., :{}", half));
        NDArray b = x.get(new NDIndex("..., {}:", half));
        return b.neg().concat(a, -1);
    }
}
