package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * LlamaRMSNorm: {@code y = w * x / sqrt(mean(x^2) + eps)}, the statistics in float32, the result cast back. {@code eps}
 * is a float32 0-dim array beside the weight (the bits of the Python scalar; an op with a Java number would make
 * that array anew on every call, which costs more than the op).
 */
public record RmsNorm(NDArray weight, NDArray eps) {

    /** The norm of {@code weight} with epsilon {@code eps} (made once, on the weight's device). */
    public static RmsNorm of(NDArray weight, double eps) {
        return new RmsNorm(weight, weight.getManager().create((float) eps));
    }

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
