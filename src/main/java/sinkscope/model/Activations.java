package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** The activations of Hugging Face's {@code ACT2FN} that the supported checkpoints name. */
public final class Activations {
    private Activations() {}

    /**
     * {@code gelu}: exact {@code x (1 + erf(x / sqrt 2)) / 2}; {@code gelu_pytorch_tanh}; {@code quick_gelu}:
     * {@code x sigmoid(1.702 x)}; {@code silu}: {@code x sigmoid(x)}; {@code relu}.
     */
    public static NDArray apply(String name, NDArray x) {
        return switch (name) {
            case "gelu" -> x.mul(x.div(Math.sqrt(2.0)).erf().add(1).mul(0.5));
            case "gelu_pytorch_tanh" -> x.mul(0.5).mul(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI)).tanh().add(1));
            case "quick_gelu" -> x.mul(Activation.sigmoid(x.mul(1.702)));
            case "silu" -> x.mul(Activation.sigmoid(x));
            case "relu" -> x.maximum(0);
            default -> throw new IllegalArgumentException("unsupported activation " + name);
        };
    }
}
