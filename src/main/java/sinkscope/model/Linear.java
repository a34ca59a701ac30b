package sinkscope.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * {@code y = x W^T + b} ({@code torch.nn.Linear}); {@code W} is [out, in] as stored, {@code b} may be absent. The
 * product runs as {@code x.matmul(W^T)} on a transposed view made once here (what {@code linear} does inside, less
 * its per-call transpose: one libtorch call instead of two), then {@code + b}. A weight that requires gradients
 * (training) takes the {@code linear} op, so that autograd reaches the weight itself.
 */
public final class Linear {
    private final NDArray weight;
    private final NDArray bias;
    private final NDArray weightT;

    public Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
        this.weightT = weight.getShape().dimension() == 2 ? Torch.transposeView(weight) : null;
    }

    /** Loads {@code prefix.weight} [out, in] and, when {@code withBias}, {@code prefix.bias} [out]. */
    public static Linear load(Weights ck, NDManager m, String prefix, int in, int out, boolean withBias, ai.djl.ndarray.types.DataType dtype, Device device) {
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
        NDList w = new NDList();
        NDList b = new NDList();
        for (Linear p : parts) {
            if ((p.bias == null) != (parts[0].bias == null)) {
                throw new IllegalArgumentException("cannot stack a Linear with a bias and one without");
            }
            w.add(p.weight);
            if (p.bias != null) {
                b.add(p.bias);
            }
        }
        NDArray weight = NDArrays.concat(w, 0);
        NDArray bias = b.isEmpty() ? null : NDArrays.concat(b, 0);
        for (Linear p : parts) {
            p.close();
        }
        return new Linear(weight, bias);
    }

    /** The view of output rows {@code [from, to)} of the weight (and bias): a part of a {@link #concat}. */
    public Linear rows(long from, long to) {
        return new Linear(Torch.narrow(weight, 0, from, to), bias == null ? null : Torch.narrow(bias, 0, from, to));
    }

    public NDArray weight() {
        return weight;
    }

    public NDArray bias() {
        return bias;
    }

    public NDArray forward(NDArray x) {
        if (weightT == null || weight.hasGradient()) {
            return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
        }
        NDArray y = x.matMul(weightT);
        return bias == null ? y : y.addi(bias);
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }

    public long inFeatures() {
        return weight.getShape().get(1);
    }

    private void close() {
        if (weightT != null) {
            weightT.close();
        }
        weight.close();
        if (bias != null) {
            bias.close();
        }
    }
}
