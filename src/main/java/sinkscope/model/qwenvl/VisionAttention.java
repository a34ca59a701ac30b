package sinkscope.model.qwenvl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import sinkscope.model.Linear;

/**
 * The attention of the Qwen-VL vision blocks with its 2-D rotary (Qwen2-VL, Qwen2.5-VL, Qwen3-VL).
 *
 * <ul>
 *   <li>Rotary: patch {@code (r, c)}, in the processor's merge-block order ({@link #positions}), gets the angles
 *       {@code [r f, c f, r f, c f]} with {@code f_i = 1 / theta^(2i / (d/2))}, {@code i < d/4}, applied in float32 as
 *       {@code q cos + rotate_half(q) sin} to q and k.</li>
 *   <li>Attention: {@code [q, k, v] = qkv(x)} (with bias), {@code softmax(q k^T d^-1/2)} in float32 without mask
 *       within each segment of rows (the whole image, or Qwen2.5-VL's windows), then {@code proj}.</li>
 * </ul>
 */
public final class VisionAttention {
    private VisionAttention() {}

    /** {@code inv_freq} [d/4] (float32) of a head of width {@code headDim}. */
    public static NDArray invFreq(NDManager m, int headDim, double theta, Device device) {
        int spatial = headDim / 2;
        NDArray exponent = m.arange(0, spatial, 2, DataType.INT64).toType(DataType.FLOAT32, false).div((float) spatial);
        return m.create(1f).div(m.create((float) theta).pow(exponent)).toDevice(device, false);
    }

    /** (row, col) of every patch of a {@code gh x gw} grid in merge-block order ({@code m x m} blocks row-major, patches row-major inside). */
    public static long[][] positions(int gh, int gw, int mm) {
        int n = gh * gw;
        long[][] pos = new long[2][n];
        int k = 0;
        for (int bh = 0; bh < gh / mm; bh++) {
            for (int bw = 0; bw < gw / mm; bw++) {
                for (int mh = 0; mh < mm; mh++) {
                    for (int mw = 0; mw < mm; mw++) {
                        pos[0][k] = (long) bh * mm + mh;
                        pos[1][k] = (long) bw * mm + mw;
                        k++;
                    }
                }
            }
        }
        return pos;
    }

    /** cos and sin [n, 1, d] of the patches at {@code pos} (rows, cols). */
    public static NDArray[] rotary(NDManager sm, long[][] pos, NDArray invFreq) {
        int n = pos[0].length;
        NDArray rows = sm.create(pos[0]).toDevice(invFreq.getDevice(), false).toType(DataType.FLOAT32, false).reshape(n, 1).mul(invFreq.reshape(1, -1));
        NDArray cols = sm.create(pos[1]).toDevice(invFreq.getDevice(), false).toType(DataType.FLOAT32, false).reshape(n, 1).mul(invFreq.reshape(1, -1));
        NDArray angles = rows.concat(cols, 1);
        angles = angles.concat(angles, 1);
        return new NDArray[] {angles.cos().expandDims(1), angles.sin().expandDims(1)};
    }

    /** {@code proj(attention)} of {@code x} [n, heads hd] within each segment [start, end) of rows. */
    public static NDArray forward(Linear qkvProj, Linear proj, NDArray x, NDArray cos, NDArray sin, List<int[]> segments, int heads, int hd, NDArray scale) {
        long n = x.getShape().get(0);
        NDArray qkv = qkvProj.forward(x).reshape(n, 3, heads, hd);
        DataType dt = x.getDataType();
        NDArray q = rotate(qkv.get(new NDIndex(":, 0")).toType(DataType.FLOAT32, false), cos, sin).toType(dt, false).transpose(1, 0, 2);
        NDArray k = rotate(qkv.get(new NDIndex(":, 1")).toType(DataType.FLOAT32, false), cos, sin).toType(dt, false).transpose(1, 0, 2);
        NDArray v = qkv.get(new NDIndex(":, 2")).transpose(1, 0, 2);
        NDList outs = new NDList();
        for (int[] s : segments) {
            NDIndex range = new NDIndex(":, {}:{}", s[0], s[1]);
            NDArray qs = segments.size() == 1 ? q : q.get(range);
            NDArray ks = segments.size() == 1 ? k : k.get(range);
            NDArray vs = segments.size() == 1 ? v : v.get(range);
            NDArray scores = qs.matMul(ks.transpose(0, 2, 1)).mul(scale.toType(qs.getDataType(), false));
            NDArray attn = scores.toType(DataType.FLOAT32, false).softmax(-1).toType(vs.getDataType(), false);
            outs.add(attn.matMul(vs));
        }
        NDArray out = outs.size() == 1 ? outs.get(0) : NDArrays.concat(outs, 1);
        return proj.forward(out.transpose(1, 0, 2).reshape(n, (long) heads * hd));
    }

    private static NDArray rotate(NDArray x, NDArray cos, NDArray sin) {
        long half = x.getShape().get(x.getShape().dimension() - 1) / 2;
        NDArray a = x.get(new NDIndex("..., :{}", half));
        NDArray b = x.get(new NDIndex("..., {}:", half));
        return x.mul(cos).add(b.neg().concat(a, -1).mul(sin));
    }
}
