package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The sink tokens of one decoder layer for every batch item (Stage 1): {@code S = { t : phi[b,t] > tau }} (strict),
 * split by the image span {@code [imageStart, imageEnd)} into visual sinks {@code V = S ∩ I} and text sinks
 * {@code X = S \ V} (BOS, text before and after the image). Sinks are found per batch item (the released code
 * merges the positions of all items; this class does not). Only layers {@code sinkLayersFrom..L-1} have sinks and
 * only the prefill pass detects them; decode steps reuse them ({@link VarHook}).
 *
 * <p>Held as boolean masks [B, T] on the device; {@link #positions(int)} lists one item's sinks in ascending order.
 */
public final class SinkTokens implements AutoCloseable {
    private final NDArray all;
    private final NDArray visual;
    private final NDArray text;

    private SinkTokens(NDArray all, NDArray visual, NDArray text) {
        this.all = all;
        this.visual = visual;
        this.text = text;
    }

    /** Detects the sinks of {@code hidden} [B, T, D] (the hidden state entering the layer); arrays go to {@code manager}. */
    public static SinkTokens detect(NDManager manager, NDArray hidden, VarParams params, int imageStart, int imageEnd) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return fromMask(manager, SinkScore.phi(hidden, params.sinkDims()).gt((float) params.tau()), imageStart, imageEnd);
        }
    }

    /** Sinks given as a boolean mask [B, T]; arrays go to {@code manager}. */
    public static SinkTokens fromMask(NDManager manager, NDArray sinks, int imageStart, int imageEnd) {
        if (sinks.getShape().dimension() != 2) {
            throw new IllegalArgumentException("sink mask must be [B, T], got " + sinks.getShape());
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray inImage = imageMask(manager, sinks.getShape().get(1), imageStart, imageEnd);
            NDArray all = sinks.toType(DataType.BOOLEAN, true);
            NDArray visual = all.logicalAnd(inImage);
            NDArray text = all.logicalAnd(inImage.logicalNot());
            NDScope.unregister(all, visual, text);
            all.attach(manager);
            visual.attach(manager);
            text.attach(manager);
            return new SinkTokens(all, visual, text);
        }
    }

    /** No sink at all (layers before {@code sinkLayersFrom}). */
    public static SinkTokens none(NDManager manager, int batch, int tokens) {
        Shape s = new Shape(batch, tokens);
        NDArray all = manager.zeros(s, DataType.BOOLEAN);
        NDArray visual = manager.zeros(s, DataType.BOOLEAN);
        NDArray text = manager.zeros(s, DataType.BOOLEAN);
        NDScope.unregister(all, visual, text);
        return new SinkTokens(all, visual, text);
    }

    /** All sinks [B, T] (boolean). */
    public NDArray all() {
        return all;
    }

    /** Visual sinks [B, T] (boolean). */
    public NDArray visual() {
        return visual;
    }

    /** Text sinks [B, T] (boolean). */
    public NDArray text() {
        return text;
    }

    public int batch() {
        return (int) all.getShape().get(0);
    }

    public int tokens() {
        return (int) all.getShape().get(1);
    }

    /** Sink positions of batch item {@code item}, ascending. */
    public long[] positions(int item) {
        return nonzero(all, item);
    }

    /** Visual sink positions of batch item {@code item}, ascending. */
    public long[] visualPositions(int item) {
        return nonzero(visual, item);
    }

    private static long[] nonzero(NDArray mask, int item) {
        boolean[] m = mask.get(item).toBooleanArray();
        int n = 0;
        for (boolean b : m) {
            n += b ? 1 : 0;
        }
        long[] out = new long[n];
        for (int i = 0, j = 0; i < m.length; i++) {
            if (m[i]) {
                out[j++] = i;
            }
        }
        return out;
    }

    /** [n] boolean: true at positions {@code [start, end)} of {@code 0..n-1}. */
    static NDArray imageMask(NDManager manager, long n, int start, int end) {
        NDArray positions = manager.arange(0, (int) n, 1, DataType.INT32);
        return positions.gte(start).logicalAnd(positions.lt(end));
    }

    /** {@code mask} [B, T] widened with {@code false} to [B, keys] (keys after the prefill are never sinks). */
    static NDArray pad(NDArray mask, long keys) {
        long t = mask.getShape().get(1);
        if (keys == t) {
            return mask;
        }
        if (keys < t) {
            throw new IllegalArgumentException("attention has " + keys + " keys but the sinks were found on " + t + " tokens");
        }
        NDArray extra = mask.getManager().zeros(new Shape(mask.getShape().get(0), keys - t), DataType.BOOLEAN);
        return mask.concat(extra, 1);
    }

    @Override
    public void close() {
        all.close();
        visual.close();
        text.close();
    }
}
