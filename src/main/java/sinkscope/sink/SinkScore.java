package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * The sink score of a token (the authors' DimProspector): with {@code h} the hidden state converted to float32,
 *
 * <pre>  r[b,t,d] = |h[b,t,d]| * rsqrt( mean_d' h[b,t,d']^2 + 1e-6 )     (no learned RMSNorm weight)
 *  phi[b,t] = max_{d in dims} r[b,t,d]</pre>
 *
 * rsqrt is computed as {@code 1 / sqrt(.)} and multiplied, as libtorch's {@code rsqrt} does. Since the
 * normalised value satisfies |r| &lt; sqrt(D), phi never exceeds sqrt(D).
 */
public final class SinkScore {
    private SinkScore() {}

    /** phi [B, T] (float32) for {@code hidden} [B, T, D] and the sink dimensions {@code dims}. */
    public static NDArray phi(NDArray hidden, int[] dims) {
        if (hidden.getShape().dimension() != 3) {
            throw new IllegalArgumentException("hidden state must be [B, T, D], got " + hidden.getShape());
        }
        long d = hidden.getShape().get(2);
        for (int dim : dims) {
            if (dim < 0 || dim >= d) {
                throw new IllegalArgumentException("sink dimension " + dim + " is outside the hidden size " + d);
            }
        }
        NDArray h = hidden.toType(DataType.FLOAT32, false);
        NDArray inv = NDArrays.div(1f, h.square().mean(new int[] {-1}, true).add(1e-6).sqrt());
        NDList columns = new NDList(dims.length);
        for (int dim : dims) {
            columns.add(h.get(":, :, " + dim));
        }
        NDArray picked = NDArrays.stack(columns, 2);
        return picked.mul(inv).abs().max(new int[] {2});
    }
}
