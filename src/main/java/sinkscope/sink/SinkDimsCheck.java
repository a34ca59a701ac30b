package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import sinkscope.model.Capture;

/**
 * Checks candidate sink dimensions against attention, per layer: does {@code phi > tau} on {@code dims} pick out the
 * image tokens that receive the most attention? For one prefill, the attention an image token {@code j} receives is
 * {@code a_j = mean over heads and the text queries after the image of attn[h, i, j]}; the attended set is
 * {@code R = {j : a_j >= outlier * mean_image(a)}} (attention outliers among the image tokens) and the predicted set
 * {@code P = {j : phi_j > tau}}. Over all samples, {@code precision = |P and R| / |P|} and
 * {@code recall = |P and R| / |R|} per layer (NaN where the denominator is 0), with the share of image attention
 * {@code P} receives and its lift (attention per predicted sink over attention per image token, mean over samples
 * with sinks). Real sink dimensions give precision and recall near 1 from the layer where sinks appear; noise
 * dimensions give sinks that attention ignores.
 */
public final class SinkDimsCheck {
    private final int[] dims;
    private final double tau;
    private final double outlier;
    private final long[] predicted;
    private final long[] attended;
    private final long[] both;
    private final double[] predictedShare;
    private final long[] samples;
    private final double[] lift;
    private final long[] liftSamples;

    public SinkDimsCheck(int numLayers, int[] dims, double tau, double outlier) {
        this.dims = dims.clone();
        this.tau = tau;
        this.outlier = outlier;
        predicted = new long[numLayers];
        attended = new long[numLayers];
        both = new long[numLayers];
        predictedShare = new double[numLayers];
        samples = new long[numLayers];
        lift = new double[numLayers];
        liftSamples = new long[numLayers];
    }

    /** Adds one captured prefill (layer inputs and attentions) whose image rows are {@code [start, end)}. */
    public void add(Capture capture, int start, int end) {
        for (int l = 0; l < predicted.length; l++) {
            NDArray hidden = capture.layerInputs().get(l); // [1, S, D]
            NDArray attn = capture.attentions().get(l); // [1, H, S, S]
            int s = (int) attn.getShape().get(2);
            if (end >= s) {
                continue; // no text query after the image
            }
            float[] phi = SinkScore.phi(hidden.get(new NDIndex("0:1, {}:{}", start, end)).toType(DataType.FLOAT32, false), dims).toFloatArray();
            float[] received = attn.get(new NDIndex("0, :, {}:, {}:{}", end, start, end)).toType(DataType.FLOAT32, false).mean(new int[] {0}).mean(new int[] {0})
                    .toFloatArray();
            add(l, phi, received);
        }
    }

    /** Adds one sample's layer {@code l}: phi and received attention of its image tokens. */
    public void add(int l, float[] phi, float[] received) {
        double mean = 0;
        double total = 0;
        for (float a : received) {
            mean += a;
            total += a;
        }
        mean /= received.length;
        double onPredicted = 0;
        int count = 0;
        for (int j = 0; j < received.length; j++) {
            boolean p = phi[j] > tau;
            boolean r = received[j] >= outlier * mean;
            predicted[l] += p ? 1 : 0;
            attended[l] += r ? 1 : 0;
            both[l] += p && r ? 1 : 0;
            onPredicted += p ? received[j] : 0;
            count += p ? 1 : 0;
        }
        if (count > 0 && total > 0) {
            lift[l] += (onPredicted / count) / mean;
            liftSamples[l]++;
        }
        predictedShare[l] += total > 0 ? onPredicted / total : 0;
        samples[l]++;
    }

    public double precision(int l) {
        return predicted[l] == 0 ? Double.NaN : both[l] / (double) predicted[l];
    }

    public double recall(int l) {
        return attended[l] == 0 ? Double.NaN : both[l] / (double) attended[l];
    }

    /** One header line, then one line per layer. */
    public List<String> table() {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "layer  sinks/img  attended/img  precision  recall  attn share on sinks  lift   (phi > %.3f on %s; attended: >= %.1fx mean)",
                tau, java.util.Arrays.toString(dims), outlier));
        for (int l = 0; l < predicted.length; l++) {
            if (samples[l] == 0) {
                continue;
            }
            out.add(String.format(Locale.ROOT, "%5d  %9.2f  %12.2f  %9s  %6s  %19.3f  %5s", l, predicted[l] / (double) samples[l],
                    attended[l] / (double) samples[l], fmt(precision(l)), fmt(recall(l)), predictedShare[l] / samples[l],
                    liftSamples[l] == 0 ? "-" : String.format(Locale.ROOT, "%.2f", lift[l] / liftSamples[l])));
        }
        return out;
    }

    private static String fmt(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.3f", x);
    }
}
