package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** LlamaRMSNorm: {@code y = w * x / sqrt(mean(x^2) + eps)}, the statistics in float32, the result cast back. */
public record RmsNorm(NDArray weight, double eps) {

    public NDArray forward(NDArray x) {
        DataType in = x.getDataType();
        NDArray x32 = in == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray normed = x32.div(x32.square().mean(new int[] {-1}, true).add(eps).sqrt());
        if (in != DataType.FLOAT32) {
            normed = normed.toType(in, false);
        }
        return normed.mul(weight);
    }
}
