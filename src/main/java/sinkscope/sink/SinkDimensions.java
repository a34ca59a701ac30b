package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Sink-dimension discovery. For a set of tokens of a layer's input hidden state, the normalised magnitude of every
 * dimension {@code r[t,d] = |h[t,d]| / sqrt(mean_d' h[t,d']^2 + 1e-6)} (as in {@link SinkScore}, before taking the
 * max over D_sink) is summarised per dimension: its maximum, its mean and how many tokens have {@code r > tau}.
 * Two token sets are kept per layer: the image tokens, and the most-attended tokens (keys with the largest mean
 * attention over heads and queries). Accumulators are plain host arrays that add up over samples and
 * {@link #merge} (Spark partial aggregates).
 *
 * <p>{@link #ranking(int)} orders a layer's dimensions by their maximum over image tokens (massive activations),
 * ties by the mean. {@link #recommended(int)} is D_sink: the dimensions in the top 2 of the ranking in at least a
 * quarter (rounded up, at least one) of the layers from {@code fromLayer} on that saw data, ordered by the number of
 * such layers, then by dimension.
 */
public final class SinkDimensions {

    /** Per-dimension statistics over {@code tokens} tokens. */
    public record Stats(float[] max, double[] sum, long[] above, long tokens) {
        public double mean(int d) {
            return tokens == 0 ? 0 : sum[d] / tokens;
        }
    }

    private final int hiddenSize;
    private final double tau;
    private final Stats[] image;
    private final Stats[] attended;

    public SinkDimensions(int numLayers, int hiddenSize, double tau) {
        this.hiddenSize = hiddenSize;
        this.tau = tau;
        this.image = new Stats[numLayers];
        this.attended = new Stats[numLayers];
        for (int l = 0; l < numLayers; l++) {
            image[l] = empty(hiddenSize);
            attended[l] = empty(hiddenSize);
        }
    }

    private static Stats empty(int d) {
        float[] max = new float[d];
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        return new Stats(max, new double[d], new long[d], 0);
    }

    public int numLayers() {
        return image.length;
    }

    public Stats imageStats(int layer) {
        return image[layer];
    }

    public Stats attendedStats(int layer) {
        return attended[layer];
    }

    /**
     * Adds one captured prefill (layer inputs and attentions of every layer): its image tokens and its
     * {@code mostAttended} most-attended tokens, layer by layer.
     */
    public void add(sinkscope.model.Capture capture, int imageStart, int imageEnd, int mostAttended) {
        for (int l = 0; l < numLayers(); l++) {
            addImageTokens(l, capture.layerInputs().get(l), imageStart, imageEnd);
            addMostAttendedTokens(l, capture.layerInputs().get(l), capture.attentions().get(l), mostAttended);
        }
    }

    /**
     * One line per layer: the layer's {@code top} dimensions by {@link #ranking}, each with its maximum, mean and
     * count above tau over image tokens, e.g. {@code "    2  56 (3.98, 3.91, 1560) 57 (3.05, 3.00, 0)"}.
     */
    public List<String> table(int top) {
        List<String> lines = new ArrayList<>();
        for (int l = 0; l < numLayers(); l++) {
            int[] rank = ranking(l);
            Stats st = image[l];
            StringBuilder line = new StringBuilder(String.format(java.util.Locale.ROOT, "%5d ", l));
            for (int i = 0; i < Math.min(top, rank.length); i++) {
                int d = rank[i];
                line.append(String.format(java.util.Locale.ROOT, " %d (%.2f, %.2f, %d)", d, st.max()[d], st.mean(d), st.above()[d]));
            }
            lines.add(line.toString());
        }
        return lines;
    }

    /** Adds the image tokens {@code [imageStart, imageEnd)} of {@code hidden} [B, T, D] or [T, D] entering {@code layer}. */
    public void addImageTokens(int layer, NDArray hidden, int imageStart, int imageEnd) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray h = batched(hidden);
            image[layer] = add(image[layer], h.get(":, " + imageStart + ":" + imageEnd + ", :").reshape(-1, hiddenSize));
        }
    }

    /**
     * Adds the {@code count} keys with the largest attention received (mean over heads and queries of
     * {@code attn} [B, H, Q, K], K = T) of every batch item, their rows of {@code hidden} [B, T, D] or [T, D].
     */
    public void addMostAttendedTokens(int layer, NDArray hidden, NDArray attn, int count) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray h = batched(hidden);
            long b = h.getShape().get(0);
            NDArray received = attn.toType(DataType.FLOAT32, false).mean(new int[] {2}).mean(new int[] {1}); // PyTorch engine: one axis per mean
            int k = (int) Math.min(count, received.getShape().get(1));
            NDArray top = received.topK(k, 1, true, false).get(1).toType(DataType.INT64, false);
            NDArray index = top.expandDims(2).broadcast(b, k, hiddenSize);
            attended[layer] = add(attended[layer], h.gather(index, 1).reshape(-1, hiddenSize));
        }
    }

    private NDArray batched(NDArray hidden) {
        if (hidden.getShape().get(hidden.getShape().dimension() - 1) != hiddenSize) {
            throw new IllegalArgumentException("hidden state " + hidden.getShape() + " does not have hidden size " + hiddenSize);
        }
        NDArray h = hidden.toType(DataType.FLOAT32, false);
        return h.getShape().dimension() == 2 ? h.expandDims(0) : h;
    }

    private Stats add(Stats s, NDArray tokens) {
        long n = tokens.getShape().get(0);
        if (n == 0) {
            return s;
        }
        NDArray inv = NDArrays.div(1f, tokens.square().mean(new int[] {-1}, true).add(1e-6).sqrt());
        NDArray r = tokens.mul(inv).abs();
        float[] max = r.max(new int[] {0}).toFloatArray();
        float[] sum = r.sum(new int[] {0}).toFloatArray();
        long[] above = r.gt((float) tau).toType(DataType.INT64, false).sum(new int[] {0}).toLongArray();
        Stats out = new Stats(s.max().clone(), s.sum().clone(), s.above().clone(), s.tokens() + n);
        for (int d = 0; d < hiddenSize; d++) {
            out.max()[d] = Math.max(out.max()[d], max[d]);
            out.sum()[d] += sum[d];
            out.above()[d] += above[d];
        }
        return out;
    }

    /** Adds another accumulator of the same shape (e.g. from another partition). */
    public void merge(SinkDimensions other) {
        if (other.numLayers() != numLayers() || other.hiddenSize != hiddenSize || other.tau != tau) {
            throw new IllegalArgumentException("cannot merge sink-dimension statistics of different models or tau");
        }
        for (int l = 0; l < numLayers(); l++) {
            image[l] = merge(image[l], other.image[l]);
            attended[l] = merge(attended[l], other.attended[l]);
        }
    }

    private static Stats merge(Stats a, Stats b) {
        Stats out = new Stats(a.max().clone(), a.sum().clone(), a.above().clone(), a.tokens() + b.tokens());
        for (int d = 0; d < a.max().length; d++) {
            out.max()[d] = Math.max(a.max()[d], b.max()[d]);
            out.sum()[d] += b.sum()[d];
            out.above()[d] += b.above()[d];
        }
        return out;
    }

    /** The dimensions of {@code layer} by decreasing maximum over image tokens (ties: decreasing mean). */
    public int[] ranking(int layer) {
        Stats s = image[layer];
        Integer[] dims = new Integer[hiddenSize];
        for (int d = 0; d < hiddenSize; d++) {
            dims[d] = d;
        }
        Arrays.sort(dims, Comparator.<Integer>comparingDouble(d -> -s.max()[d]).thenComparingDouble(d -> -s.mean(d)).thenComparingInt(d -> d));
        return Arrays.stream(dims).mapToInt(Integer::intValue).toArray();
    }

    /** D_sink: dimensions in the top 2 of at least a quarter of the layers {@code fromLayer..L-1} with data. */
    public int[] recommended(int fromLayer) {
        int[] votes = new int[hiddenSize];
        int layers = 0;
        for (int l = fromLayer; l < numLayers(); l++) {
            if (image[l].tokens() == 0) {
                continue;
            }
            layers++;
            int[] r = ranking(l);
            for (int i = 0; i < Math.min(2, r.length); i++) {
                votes[r[i]]++;
            }
        }
        int needed = Math.max(1, (layers + 3) / 4);
        List<Integer> out = new ArrayList<>();
        for (int d = 0; d < hiddenSize; d++) {
            if (layers > 0 && votes[d] >= needed) {
                out.add(d);
            }
        }
        out.sort(Comparator.<Integer>comparingInt(d -> -votes[d]).thenComparingInt(d -> d));
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
