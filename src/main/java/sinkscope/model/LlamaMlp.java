package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * LlamaMLP (SwiGLU): {@code down_proj(silu(gate_proj(x)) * up_proj(x))}, {@code silu(z) = z * sigmoid(z)}. gate_proj and
 * up_proj are one product ({@code x [W_gate; W_up]^T}, stacked at load; {@link #gateProj()}, {@link #upProj()} are
 * views of it), whose halves are read as views. Views requiring gradients (training) run as two products, as
 * {@link LlamaAttention} does.
 */
public final class LlamaMlp {
    private final Linear gateUpProj;
    private final Linear gateProj;
    private final Linear upProj;
    private final Linear downProj;
    private final long intermediate;

    /** {@code gateUpProj} = {@link Linear#concat} of gate_proj and up_proj. */
    LlamaMlp(Linear gateUpProj, Linear downProj) {
        this.gateUpProj = gateUpProj;
        this.intermediate = gateUpProj.outFeatures() / 2;
        this.gateProj = gateUpProj.rows(0, intermediate);
        this.upProj = gateUpProj.rows(intermediate, 2 * intermediate);
        this.downProj = downProj;
    }

    public Linear gateProj() {
        return gateProj;
    }

    public Linear upProj() {
        return upProj;
    }

    public Linear downProj() {
        return downProj;
    }

    NDArray forward(NDArray x) {
        if (gateProj.weight().hasGradient()) {
            // training the projections: the two products on their views, so gradients reach them
            NDArray gate = gateProj.forward(x);
            return downProj.forward(gate.mul(Activation.sigmoid(gate)).mul(upProj.forward(x)));
        }
        ai.djl.ndarray.NDList gateUp = Torch.split(gateUpProj.forward(x), x.getShape().dimension() - 1, intermediate, intermediate);
        NDArray gate = gateUp.get(0);
        // out of place: autograd keeps the sigmoid's output and the factors when gradients pass through a frozen
        // decoder (LLaVA's alignment stage trains the projector behind it)
        return downProj.forward(gate.mul(Activation.sigmoid(gate)).mul(gateUp.get(1)));
    }
}
