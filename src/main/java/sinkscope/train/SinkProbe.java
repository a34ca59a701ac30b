package sinkscope.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import sinkscope.model.Capture;
import sinkscope.model.KvCache;
import sinkscope.model.Merged;
import sinkscope.model.clip.ClipImageProcessor;
import sinkscope.model.llava.Llava;
import sinkscope.model.llava.LlavaConfig;
import sinkscope.model.llava.LlavaProcessor;
import sinkscope.sink.SinkDimensions;

/**
 * Where a model's massive activations and attention go, per decoder layer, over some images and one prompt:
 * the largest {@code |x_d| / RMS(x)} (over all dimensions d) of the BOS token, of the image tokens and of the text
 * tokens after the image, entering the layer; how many image tokens have {@code phi = max_{d in D_sink}
 * |x_d| / RMS(x) > tau} for given sink dimensions; and the share of the last prompt token's attention (mean over
 * heads) that lands on BOS and on the image, and the share of that image attention that lands on the image tokens
 * that are sinks ({@code sum_{sink image tokens} a / sum_{image tokens} a}, 0 when the image has none). A measurement for the model card: nothing is planted or changed.
 */
public final class SinkProbe {
    /** Per-layer sums over images; {@link #markdown} divides by {@code images}. */
    public record Result(double[] bosPhi, double[] imagePhiMax, double[] textPhi, long[] imageSinks, long[] imageOver5, long imageTokens, double[] bosAttention,
                         double[] imageAttention, double[] sinkShareOfImageAttention, int images, int[] dims, double tau) {}

    /** Sink-dimension ranking over the images, and the probe run with the recommended dimensions. */
    public record Measurement(String prompt, SinkDimensions dimensions, int[] recommended, Result probe) {}

    /** The absolute phi reported beside tau: at hidden 128, tau = 3.54 is barely above a Gaussian vector's largest |z| (~2.7). */
    public static final double PHI_5 = 5.0;

    private SinkProbe() {}

    /**
     * {@link SinkDimensions} over the images' prefills (image tokens and the 4 most-attended tokens per layer),
     * D_sink = its recommendation from layer 2 on (the last layer in smaller models), then {@link #run} with that D_sink; both at {@code tau}.
     */
    public static Measurement measure(Llava model, LlavaProcessor processor, List<BufferedImage> images, String prompt, double tau) {
        LlavaConfig c = model.config();
        SinkDimensions dims = new SinkDimensions(model.numLayers(), c.text().hiddenSize(), tau);
        long[] ids = processor.encode(prompt);
        for (BufferedImage img : images) {
            try (NDManager m = model.newSampleManager(); KvCache cache = new KvCache(model.numLayers()); Capture cap = new Capture(m, true, true)) {
                Merged merged = model.merge(m, ids, model.imageFeatures(m, processor.pixelValues(m, img, ClipImageProcessor.Mode.CROP)));
                model.prefill(m, merged, cache, cap);
                dims.add(cap, merged.imageStart(), merged.imageEnd(), 4);
            }
        }
        int[] recommended = dims.recommended(Math.min(2, model.numLayers() - 1)); // from layer 2, as sink detection; any layer in a 2-layer model
        return new Measurement(prompt, dims, recommended, run(model, processor, images, prompt, recommended, tau));
    }

    public static Result run(Llava model, LlavaProcessor processor, List<BufferedImage> images, String prompt, int[] dims, double tau) {
        int layers = model.numLayers();
        double[] bosPhi = new double[layers];
        double[] imageMax = new double[layers];
        double[] textPhi = new double[layers];
        long[] sinks = new long[layers];
        long[] over5 = new long[layers];
        double[] bosAttn = new double[layers];
        double[] imageAttn = new double[layers];
        double[] sinkShare = new double[layers];
        long imageTokens = 0;
        long[] ids = processor.encode(prompt);
        for (BufferedImage img : images) {
            try (NDManager m = model.newSampleManager(); KvCache cache = new KvCache(layers); Capture cap = new Capture(m, true, true)) {
                NDArray pixels = processor.pixelValues(m, img, ClipImageProcessor.Mode.CROP);
                Merged merged = model.merge(m, ids, model.imageFeatures(m, pixels));
                model.prefill(m, merged, cache, cap);
                int s0 = merged.imageStart();
                int s1 = merged.imageEnd();
                imageTokens += s1 - s0;
                for (int l = 0; l < layers; l++) {
                    NDArray h = cap.layerInputs().get(l).get(0); // [S, D]
                    NDArray ratio = h.abs().mul(NDArrays.div(1f, h.square().mean(new int[] {-1}, true).add(1e-6f).sqrt()));
                    float[] maxPerToken = ratio.max(new int[] {1}).toFloatArray();
                    bosPhi[l] += maxPerToken[0];
                    double imgMax = 0;
                    for (int t = s0; t < s1; t++) {
                        imgMax = Math.max(imgMax, maxPerToken[t]);
                    }
                    imageMax[l] = Math.max(imageMax[l], imgMax);
                    double text = 0;
                    for (int t = s1; t < maxPerToken.length; t++) {
                        text = Math.max(text, maxPerToken[t]);
                    }
                    textPhi[l] += text;
                    float[] phi = ratio.get(new NDIndex("{}:{}", s0, s1)).get(new NDIndex(":, {}", m.create(toLong(dims)))).max(new int[] {1})
                            .toFloatArray();
                    for (float p : phi) {
                        sinks[l] += p > tau ? 1 : 0;
                        over5[l] += p >= PHI_5 ? 1 : 0;
                    }
                    NDArray last = cap.attentions().get(l).get(new NDIndex("0, :, -1, :")).mean(new int[] {0}); // [K]
                    float[] a = last.toFloatArray();
                    bosAttn[l] += a[0];
                    double sum = 0;
                    double onSinks = 0;
                    for (int t = s0; t < s1; t++) {
                        sum += a[t];
                        onSinks += phi[t - s0] > tau ? a[t] : 0;
                    }
                    imageAttn[l] += sum;
                    sinkShare[l] += sum > 0 ? onSinks / sum : 0;
                }
            }
        }
        return new Result(bosPhi, imageMax, textPhi, sinks, over5, imageTokens, bosAttn, imageAttn, sinkShare, images.size(), dims, tau);
    }

    private static long[] toLong(int[] a) {
        return java.util.Arrays.stream(a).asLongStream().toArray();
    }

    /** One row per layer. */
    public static String markdown(Result r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "| layer | BOS max\\|x\\|/RMS (mean) | image tokens max\\|x\\|/RMS (max) "
                + "| text after image max\\|x\\|/RMS (mean) | image tokens with phi > %.2f on %s | per image | with phi >= 5 | last token's attention on BOS | on image "
                + "| share of its image attention on those sinks |%n|---|---|---|---|---|---|---|---|---|---|%n", r.tau(), java.util.Arrays.toString(r.dims())));
        for (int l = 0; l < r.bosPhi().length; l++) {
            sb.append(String.format(Locale.ROOT, "| %d | %.2f | %.2f | %.2f | %d of %d | %.2f | %d | %.3f | %.3f | %.3f |%n", l, r.bosPhi()[l] / r.images(),
                    r.imagePhiMax()[l], r.textPhi()[l] / r.images(), r.imageSinks()[l], r.imageTokens(), (double) r.imageSinks()[l] / r.images(), r.imageOver5()[l],
                    r.bosAttention()[l] / r.images(), r.imageAttention()[l] / r.images(), r.sinkShareOfImageAttention()[l] / r.images()));
        }
        return sb.toString();
    }
}
