package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import sinkscope.model.Torch;

/**
 * The sink score of a token (the authors' DimProspector): with {@code h} the hidden state converted to float32,
 *
 * <pre>  r[b,t,d] = |h[b,t,d]| * rsqrt( mean_d' h[b,t,d']^2 + 1e-6 )     (no learned RMSNorm weight)
 *  phi[b,t] = max_{d in dims} r[b,t,d]</pre>
 *
 * rsqrt is computed as {@code 1 / sqrt(.)} and multiplied, as libtorch's {@code rsqrt} does. Since the
 * normalised value satisfies |r| &lt; sqrt(D), phi never exceeds sqrt(D).
 *
 * <p>An instance holds its constants ({@code 1e-6}, {@code 1}) as float32 scalars in the manager it was made with
 * (the same values and bits as the Python scalars), so scoring a layer is ten or so tensor ops and no host transfer.
 */
public final class SinkScore {
    private static final int[] LAST = {-1};

    private final int[] dims;
    private final NDArray eps;
    private final NDArray one;

    /** A scorer over the sink dimensions {@code dims} (at least one), its constants in {@code manager}. */
    public SinkScore(NDManager manager, int[] dims) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("phi needs at least one sink dimension");
        }
        this.dims = dims.clone();
        this.eps = ImageCentricHeads.own(manager, manager.create(1e-6f));
        this.one = ImageCentricHeads.own(manager, manager.create(1f));
    }

    /** phi [B, T] (float32) for {@code hidden} [B, T, D]; the result belongs to {@code hidden}'s manager. */
    public NDArray phi(NDArray hidden) {
        if (hidden.getShape().dimension() != 3) {
            throw new IllegalArgumentException("hidden state must be [B, T, D], got " + hidden.getShape());
        }
        long d = hidden.getShape().get(2);
        for (int dim : dims) {
            if (dim < 0 || dim >= d) {
                throw new IllegalArgumentException("sink dimension " + dim + " is outside the hidden size " + d);
            }
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray h = hidden.toType(DataType.FLOAT32, false);
            NDArray inv = one.div(h.square().mean(LAST, true).add(eps).sqrt());
            NDArray phi = null;
            for (int dim : dims) {
                NDArray r = Torch.narrow(h, 2, dim, dim + 1).mul(inv).abs();
                phi = phi == null ? r : NDArrays.maximum(phi, r);
            }
            NDArray out = phi.squeeze(2);
            NDScope.unregister(out);
            out.attach(hidden.getManager());
            return out;
        }
    }

    /** phi [B, T] (float32) for {@code hidden} [B, T, D] and the sink dimensions {@code dims}, once. */
    public static NDArray phi(NDArray hidden, int[] dims) {
        try (NDManager m = hidden.getManager().newSubManager()) {
            return new SinkScore(m, dims).phi(hidden);
        }
    }
}
