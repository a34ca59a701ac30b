package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import sinkscope.model.AttentionHook;
import sinkscope.model.ForwardStep;

/**
 * The sink statistics of one sample's prefill pass, reduced on the device layer by layer (no attention map is
 * kept): for the hidden state {@code x} entering each layer, {@code r_t,d = |x_t,d| / sqrt(mean_d x_t^2 + 1e-6)}:
 * <ul>
 *   <li>per token: {@code phi_t = max_{d in D_sink} r_t,d} and the sink flag {@code phi_t > tau};</li>
 *   <li>per dimension, over image tokens: how many have {@code r > floor}, the largest {@code r}, and the sum of
 *       {@code r} over those above the floor (partials that add up across samples);</li>
 *   <li>per head, for the last prompt token and for the mean over text queries after the image: attention on the
 *       image, the share of it on visual sinks, the attention on text sinks, and whether the head is image-centric
 *       ({@code image >= summ} and {@code visual-sink share <= rho});</li>
 *   <li>for chosen layers: the last prompt token's attention over the image patches, mean over heads.</li>
 * </ul>
 * Sinks here are {@code phi > tau} at every layer (the tokens table shows them all); VAR itself looks from layer 2 on.
 */
public final class SampleStatistics implements AttentionHook {

    /** Per-head figures of one query kind. */
    public record Heads(float[] imageAttention, float[] visualSinkShare, float[] textSinkAttention, boolean[] imageCentric) {}

    /** Per-dimension partials over the image tokens of one layer (all D dims; callers keep those with count > 0). */
    public record Dims(int[] countAboveFloor, float[] maxRatio, float[] sumAboveFloor) {}

    /** Everything of one layer. {@code lastAttention} is null unless the layer was asked for. */
    public record Layer(float[] phi, boolean[] sink, Dims dims, Heads last, Heads textMean, float[] lastAttention) {}

    private final int[] sinkDims;
    private final double tau;
    private final double floor;
    private final double summ;
    private final double rho;
    private final Set<Integer> attentionLayers;
    private final List<Layer> layers = new ArrayList<>();
    private float[] phi;
    private boolean[] sink;
    private Dims dims;

    public SampleStatistics(int[] sinkDims, double tau, double floor, double summ, double rho, Set<Integer> attentionLayers) {
        this.sinkDims = sinkDims.clone();
        this.tau = tau;
        this.floor = floor;
        this.summ = summ;
        this.rho = rho;
        this.attentionLayers = Set.copyOf(attentionLayers);
    }

    /** One entry per decoder layer, after the prefill pass. */
    public List<Layer> layers() {
        return layers;
    }

    @Override
    public void onLayerInput(int layer, NDArray hidden, ForwardStep step) {
        if (!step.isPrefill()) {
            return;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray h = hidden.get(new NDIndex("0")).toType(DataType.FLOAT32, false); // [S, D]
            NDArray r = h.abs().div(h.square().mean(new int[] {-1}, true).add(1e-6).sqrt());
            NDArray p = r.get(new NDIndex(":, {}", h.getManager().create(toLong(sinkDims)))).max(new int[] {-1});
            phi = p.toFloatArray();
            sink = new boolean[phi.length];
            for (int t = 0; t < phi.length; t++) {
                sink[t] = phi[t] > tau;
            }
            if (step.hasImage()) {
                NDArray img = r.get(new NDIndex("{}:{}, :", step.imageStart(), step.imageEnd()));
                NDArray above = img.gt(floor);
                dims = new Dims(Arrays.stream(above.toType(DataType.INT64, false).sum(new int[] {0}).toLongArray()).mapToInt(Math::toIntExact).toArray(), img.max(new int[] {0}).toFloatArray(),
                        img.mul(above.toType(DataType.FLOAT32, false)).sum(new int[] {0}).toFloatArray());
            } else {
                dims = null;
            }
        }
    }

    @Override
    public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
        if (!step.isPrefill()) {
            return attn;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            int s = (int) attn.getShape().get(3);
            NDArray a = attn.get(new NDIndex("0")); // [H, Q, K]
            NDArray last = a.get(new NDIndex(":, -1, :")); // [H, K]
            Heads lastHeads = heads(last, step);
            Heads textHeads = null;
            float[] lastAttention = null;
            if (step.hasImage()) {
                if (step.imageEnd() < s) {
                    textHeads = heads(a.get(new NDIndex(":, {}:, :", step.imageEnd())).mean(new int[] {1}), step);
                }
                if (attentionLayers.contains(layer)) {
                    lastAttention = last.mean(new int[] {0}).get(new NDIndex("{}:{}", step.imageStart(), step.imageEnd())).toFloatArray();
                }
            }
            layers.add(new Layer(phi, sink, dims, lastHeads, textHeads, lastAttention));
        }
        return attn;
    }

    /** Figures of rows {@code a} [H, K]. */
    private Heads heads(NDArray a, ForwardStep step) {
        int k = (int) a.getShape().get(1);
        float[] image = new float[k];
        float[] visual = new float[k];
        float[] text = new float[k];
        for (int t = 0; t < k; t++) {
            boolean inImage = step.hasImage() && t >= step.imageStart() && t < step.imageEnd();
            image[t] = inImage ? 1 : 0;
            visual[t] = inImage && sink[t] ? 1 : 0;
            text[t] = !inImage && sink[t] ? 1 : 0;
        }
        var m = a.getManager();
        NDArray masks = ai.djl.ndarray.NDArrays.stack(new ai.djl.ndarray.NDList(m.create(image), m.create(visual), m.create(text)), 1); // [K, 3]
        float[] sums = a.toType(DataType.FLOAT32, false).matMul(masks).toFloatArray(); // [H, 3]
        int h = sums.length / 3;
        Heads out = new Heads(new float[h], new float[h], new float[h], new boolean[h]);
        for (int i = 0; i < h; i++) {
            float img = sums[3 * i];
            out.imageAttention()[i] = img;
            out.visualSinkShare()[i] = img > 0 ? sums[3 * i + 1] / img : 0f;
            out.textSinkAttention()[i] = sums[3 * i + 2];
            out.imageCentric()[i] = img >= summ && out.visualSinkShare()[i] <= rho;
        }
        return out;
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
