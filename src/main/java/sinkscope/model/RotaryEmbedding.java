package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * LLaMA rotary position embedding in Hugging Face's {@code rotate_half} layout: dimension {@code i} pairs with
 * {@code i + d/2}; {@code inv_freq_i = 1 / theta^(2i/d)}, angle = position * inv_freq, and
 * {@code q' = q cos + rotate_half(q) sin} with {@code rotate_half([a, b]) = [-b, a]}. Tables are computed in
 * float32 on the device as HF does, for positions {@code 0..maxPositions-1}.
 */
public final class RotaryEmbedding {
    private final NDArray cos; // [maxPositions, headDim]
    private final NDArray sin;
    private final int half;

    public RotaryEmbedding(NDManager m, int headDim, double theta, int maxPositions, DataType dtype) {
        this.half = headDim / 2;
        NDArray exponent = m.arange(0, headDim, 2, DataType.INT64).toType(DataType.FLOAT32, false).div((float) headDim);
        NDArray invFreq = m.create(1f).div(m.create((float) theta).pow(exponent)); // 1 / theta^(2i/d), float32
        NDArray positions = m.arange(0, maxPositions, 1, DataType.INT64).toType(DataType.FLOAT32, false);
        NDArray freqs = positions.reshape(maxPositions, 1).matMul(invFreq.reshape(1, half));
        NDArray emb = freqs.concat(freqs, 1);
        this.cos = emb.cos().toType(dtype, false);
        this.sin = emb.sin().toType(dtype, false);
    }

    public int maxPositions() {
        return (int) cos.getShape().get(0);
    }

    /** Rotates {@code x} [B, heads, Q, headDim] whose rows sit at absolute positions {@code start..start+Q-1}. */
    public NDArray apply(NDArray x, int start) {
        int q = (int) x.getShape().get(2);
        NDIndex rows = new NDIndex("{}:{}", start, start + q);
        NDArray c = cos.get(rows);
        NDArray s = sin.get(rows);
        return x.mul(c).add(rotateHalf(x).mul(s));
    }

    private NDArray rotateHalf(NDArray x) {
        NDArray a = x.get(new NDIndex("..., :{}", half));
        NDArray b = x.get(new NDIndex("..., {}:", half));
        return b.neg().concat(a, -1);
    }
}
