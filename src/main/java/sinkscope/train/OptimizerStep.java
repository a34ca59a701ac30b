package sinkscope.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.optimizer.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The optimizer step every training stage takes: global gradient-norm clipping, the update, gradients reset. */
final class OptimizerStep {
    /** Global gradient-norm clip. */
    static final double CLIP_NORM = 1.0;

    private OptimizerStep() {}

    /**
     * One optimizer step: gradients scaled to a global L2 norm of at most {@link #CLIP_NORM}, Adam on every
     * parameter, gradients reset to zero (PyTorch accumulates them across backward passes). A non-finite gradient
     * norm skips the update (gradients are still reset); returns whether the update was made.
     */
    static boolean apply(Map<String, NDArray> params, Optimizer adam) {
        return apply(params, name -> adam);
    }

    /** {@link #apply(Map, Optimizer)} with each parameter's own optimizer ({@code optimizer.apply(name)}). */
    static boolean apply(Map<String, NDArray> params, java.util.function.Function<String, Optimizer> optimizer) {
        List<NDArray> grads = new ArrayList<>();
        double squares = 0;
        for (NDArray p : params.values()) {
            NDArray g = p.getGradient();
            grads.add(g);
            try (NDArray sq = g.square(); NDArray sum = sq.sum()) {
                squares += sum.getFloat();
            }
        }
        double norm = Math.sqrt(squares);
        float scale = norm > CLIP_NORM ? (float) (CLIP_NORM / norm) : 1f;
        boolean finite = Double.isFinite(norm);
        int i = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray g = grads.get(i++);
            if (finite) {
                if (scale != 1f) {
                    g.muli(scale);
                }
                optimizer.apply(e.getKey()).update(e.getKey(), e.getValue(), g);
            }
            g.set(new NDIndex("..."), 0f); // set, not multiply: a NaN times 0 stays NaN
            g.close();
        }
        return finite;
    }
}
