package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** LlamaMLP (SwiGLU): {@code down_proj(silu(gate_proj(x)) * up_proj(x))}, {@code silu(z) = z * sigmoid(z)}. */
public record LlamaMlp(Linear gateProj, Linear upProj, Linear downProj) {

    NDArray forward(NDArray x) {
        NDArray gate = gateProj.forward(x);
        NDArray act = gate.mul(Activation.sigmoid(gate));
        return downProj.forward(act.mul(upProj.forward(x)));
    }
}
