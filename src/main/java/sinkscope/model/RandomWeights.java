package sinkscope.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Freshly initialised parameters as Hugging Face's {@code _init_weights} makes them: matrices and embeddings
 * {@code N(0, std^2)} (std = {@code initializer_range}, 0.02), biases 0, norm weights 1. Seeded, so two instances
 * with the same seed give the same model.
 */
public final class RandomWeights implements Weights {
    private final double std;

    public RandomWeights(long seed, double std) {
        Engine.getInstance().setRandomSeed((int) seed);
        this.std = std;
    }

    @Override
    public NDArray load(NDManager m, String name, DataType dtype, Device device, long... shape) {
        NDArray a;
        if (name.endsWith("norm.weight") || name.endsWith("layernorm.weight") || name.endsWith("layrnorm.weight")
                || name.contains("layer_norm") && name.endsWith(".weight")) {
            a = m.ones(new Shape(shape), DataType.FLOAT32);
        } else if (name.endsWith(".bias")) {
            a = m.zeros(new Shape(shape), DataType.FLOAT32);
        } else {
            a = m.randomNormal(0f, (float) std, new Shape(shape), DataType.FLOAT32);
        }
        NDArray out = a.toType(dtype, false).toDevice(device, false);
        if (out != a) {
            a.close();
        }
        return out;
    }

    @Override
    public boolean has(String name) {
        return !name.startsWith("vision_tower.vision_model.encoder.layers.");
    }
}
