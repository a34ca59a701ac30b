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

    /**
     * A sample's outcome in a batch: its result, or the {@link SampleException} that makes it an error row.
     *
     * @param <T> the result type
     */
    record Outcome<T>(T value, SampleException error) {
        static <T> Outcome<T> of(Call<T> call) {
            try {
                return new Outcome<>(call.run(), null);
            } catch (SampleException e) {
                return new Outcome<>(null, e);
            }
        }

        /** The value, or the sample's error thrown. */
        public T valueOrThrow() throws SampleException {
            if (error != null) {
                throw error;
            }
            return value;
        }

        interface Call<T> {
            T run() throws SampleException;
        }
    }

    /**
     * {@link #extract(SampleInput, ExtractOptions)} of several samples at once (one batched prefill where the runner
     * can: {@code --batch-size}); one outcome per sample, in order, each as that sample gives alone.
     */
    default List<Outcome<ExtractResult>> extract(List<SampleInput> samples, ExtractOptions options) {
        return samples.stream().map(s -> Outcome.of(() -> extract(s, options))).toList();
    }

    /**
     * {@link #predict(SampleInput, EvalConfig, List)} of several samples under one configuration (one batched
     * generation where the runner can); one outcome per sample, in order, each as that sample gives alone.
     */
    default List<Outcome<Prediction>> predict(List<SampleInput> samples, EvalConfig config, List<Integer> attentionLayers) {
        return samples.stream().map(s -> Outcome.of(() -> predict(s, config, attentionLayers))).toList();
    }

    /** Frees the model's native memory. */
    @Override
    void close();
}
