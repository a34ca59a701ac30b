package sinkscope.spark;

import java.util.List;

/**
 * The per-sample work on a loaded model, the only thing the Spark jobs know about the model.
 *
 * <p>One runner serves every task of an executor on its device, so both methods may be called concurrently
 * from several task threads: weights are shared read-only and each call keeps its arrays in its own
 * NDManager scope, freed before it returns. A bad sample (unreadable, truncated or oversized image, missing
 * file, empty question) throws {@link SampleException}; the job records it and goes on.
 */
public interface SampleRunner extends AutoCloseable {

    /** One prefill pass with hooks: sink scores, head attention ratios, sink-dimension partials. */
    ExtractResult extract(SampleInput sample, ExtractOptions options) throws SampleException;

    /**
     * Greedy generation under one configuration (baseline, VAR, sink or random ablation); for each layer of
     * {@code attentionLayers} the prediction carries the last prompt token's attention over the image patches as the
     * configuration left it (the Figure-1 view, baseline vs VAR).
     */
    Prediction predict(SampleInput sample, EvalConfig config, List<Integer> attentionLayers) throws SampleException;

    /** Frees the model's native memory. */
    @Override
    void close();
}
