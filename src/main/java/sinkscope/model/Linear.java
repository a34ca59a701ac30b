package sinkscope.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/** {@code y = x W^T + b} ({@code torch.nn.Linear}); {@code W} is [out, in] as stored, {@code b} may be absent. */
public record Linear(NDArray weight, NDArray bias) {

    /** Loads {@code prefix.weight} [out, in] and, when {@code withBias}, {@code prefix.bias} [out]. */
    public static Linear load(Weights ck, NDManager m, String prefix, int in, int out, boolean withBias, DataType dtype, Device device) {
        NDArray w = ck.load(m, prefix + ".weight", dtype, device, out, in);
        NDArray b = withBias ? ck.load(m, prefix + ".bias", dtype, device, out) : null;
        return new Linear(w, b);
    }

    /**
     * One Linear computing {@code parts}' outputs side by side ({@code y = [x W_1^T + b_1, x W_2^T + b_2, ...]}): the
     * weights (and biases, all or none) stacked along the output dimension; the parts are closed. Each output column
     * is the same dot product as before, so the results differ at most by the GEMM's summation order.
     */
    public static Linear concat(Linear... parts) {
        ai.djl.ndarray.NDList w = new ai.djl.ndarray.NDList();
        ai.djl.ndarray.NDList b = new ai.djl.ndarray.NDList();
        for (Linear p : parts) {
            w.add(p.weight);
            if ((p.bias == null) != (parts[0].bias == null)) {
                throw new IllegalArgumentException("cannot stack a Linear with a bias and one without");
            }
            if (p.bias != null) {
                b.add(p.bias);
            }
        }
        NDArray weight = ai.djl.ndarray.NDArrays.concat(w, 0);
        NDArray bias = b.isEmpty() ? null : ai.djl.ndarray.NDArrays.concat(b, 0);
        w.close();
        b.close();
        return new Linear(weight, bias);
    }

    /** The view of output rows {@code [from, to)} of the weight (and bias): a part of a {@link #concat}. */
    public Linear rows(long from, long to) {
        return new Linear(Torch.narrow(weight, 0, from, to), bias == null ? null : Torch.narrow(bias, 0, from, to));
    }

    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }

    public long inFeatures() {
        return weight.getShape().get(1);
    }
}
