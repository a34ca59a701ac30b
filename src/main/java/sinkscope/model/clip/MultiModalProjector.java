package sinkscope.model.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import sinkscope.model.Activations;
import sinkscope.model.Linear;
import sinkscope.model.Weights;

/** LlavaMultiModalProjector ({@code mlp2x_gelu}): {@code linear_2(act(linear_1(x)))}, act = exact erf GELU by default. */
public record MultiModalProjector(Linear linear1, Linear linear2, String act) {

    public static MultiModalProjector load(Weights ck, NDManager m, ClipLmmConfig c, DataType dtype, Device device) {
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
}
