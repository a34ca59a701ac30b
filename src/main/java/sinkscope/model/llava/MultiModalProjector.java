package sinkscope.model.llava;

import sinkscope.model.Linear;
import sinkscope.model.Weights;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;

/** LlavaMultiModalProjector ({@code mlp2x_gelu}): {@code linear_2(act(linear_1(x)))}, act = exact erf GELU by default. */
public record MultiModalProjector(Linear linear1, Linear linear2, String act) {

    static MultiModalProjector load(Weights ck, NDManager m, LlavaConfig c, DataType dtype, Device device) {
        int v = c.vision().hiddenSize();
        int d = c.text().hiddenSize();
        return new MultiModalProjector(
                Linear.load(ck, m, "multi_modal_projector.linear_1", v, d, true, dtype, device),
                Linear.load(ck, m, "multi_modal_projector.linear_2", d, d, true, dtype, device),
                c.projectorHiddenAct());
    }

    public NDArray forward(NDArray x) {
        return linear2.forward(Activations.apply(act, linear1.forward(x)));
    }

    /** The activations of Hugging Face's ACT2FN that llava-hf checkpoints name. */
    static final class Activations {
        private Activations() {}

        static NDArray apply(String name, NDArray x) {
            return switch (name) {
                case "gelu" -> x.mul(x.div(Math.sqrt(2.0)).erf().add(1).mul(0.5)); // exact: x * (1 + erf(x/sqrt 2)) / 2
                case "gelu_pytorch_tanh" -> x.mul(0.5).mul(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI)).tanh().add(1));
                case "quick_gelu" -> x.mul(Activation.sigmoid(x.mul(1.702)));
                case "silu" -> x.mul(Activation.sigmoid(x));
                case "relu" -> x.maximum(0);
                default -> throw new IllegalArgumentException("unsupported activation " + name);
            };
        }
    }
}
