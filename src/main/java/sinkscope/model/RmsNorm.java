package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * LlamaRMSNorm: {@code y = w * x / sqrt(mean(x^2) + eps)}, the statistics in float32, the result cast back. {@code eps}
 * is a float32 0-dim array beside the weight (the bits of the Python scalar; an op with a Java number would make
 * that array anew on every call, which costs more than the op).
 *
 * <p>A single row ({@code x} [..., 1, D], a decode step) takes three libtorch calls instead of six: the pair
 * {@code [x; -x]} [..., 2, D] has mean 0 and variance {@code mean(x^2)}, so {@code layer_norm} over it with weight
 * {@code [w; 0]} and bias 0 gives {@code w * x / sqrt(mean(x^2) + eps)} in its first row (up to the rounding of a mean
 * that is 0 in exact arithmetic: measured ~1e-7 of the largest element). The weight lives in that [2, D] pair;
 * {@link #weight()} is a view of its first row, so an update through it (training, whose rows are never single)
 * is what the next single row sees.
 */
public final class RmsNorm {
    private final NDArray pair; // [2, D]: the weight, then zeros
    private final NDArray weight; // view of the pair's first row
    private final NDArray zeros; // [2, D], layer_norm's bias
    private final NDArray signs; // [2, 1]: +1, -1
    private final NDArray eps;
    private final float epsValue;

    private RmsNorm(NDArray pair, NDArray signs, NDArray eps, float epsValue) {
        this.pair = pair;
        this.weight = Torch.narrow(pair, 0, 0, 1).reshape(pair.getShape().get(1));
        this.zeros = pair.zerosLike();
        this.signs = signs;
        this.eps = eps;
        this.epsValue = epsValue;
    }

    /**
     * The norm of {@code weight} [D] with epsilon {@code eps} (made once, on the weight's device). The weight is copied
     * into the pair and closed: {@link #weight()} stands in its place.
     */
    public static RmsNorm of(NDArray weight, double eps) {
        NDArray pair = NDArrays.stack(new NDList(weight, weight.zerosLike()), 0);
        weight.close();
        NDArray signs = pair.getManager().create(new float[] {1, -1}, new Shape(2, 1)).toType(pair.getDataType(), false)
                .toDevice(pair.getDevice(), false);
        return new RmsNorm(pair, signs, pair.getManager().create((float) eps), (float) eps);
    }

    /** The weight {@code w} [D] (a view of the pair the single-row form reads). */
    public NDArray weight() {
        return weight;
    }

    public NDArray forward(NDArray x) {
        DataType in = x.getDataType();
        Shape shape = x.getShape();
        if (shape.get(shape.dimension() - 2) == 1 && in == pair.getDataType() && !weight.hasGradient() && x instanceof PtNDArray px) {
            NDArray normed = JniUtils.layerNorm((PtNDArray) px.mul(signs), pair.getShape(), (PtNDArray) pair, (PtNDArray) zeros, epsValue);
            return Torch.narrow(normed, shape.dimension() - 2, 0, 1);
        }
        NDArray x32 = in == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray normed = x32.div(x32.square().mean(new int[] {-1}, true).add(eps).sqrt());
        if (in != DataType.FLOAT32) {
            normed = normed.toType(in, false);
        }
        return normed.mul(weight);
    }
}
