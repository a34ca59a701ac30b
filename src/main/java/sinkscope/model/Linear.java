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
