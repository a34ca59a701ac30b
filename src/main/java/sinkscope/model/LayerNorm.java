package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** {@code torch.nn.LayerNorm} over the last dimension: {@code (x - mean) / sqrt(var + eps) * w + b}. */
public record LayerNorm(NDArray weight, NDArray bias, double eps) {

    public NDArray forward(NDArray x) {
        return x.getNDArrayInternal().layerNorm(x, new Shape(weight.getShape().get(0)), weight, bias, (float) eps).singletonOrThrow();
    }
}
