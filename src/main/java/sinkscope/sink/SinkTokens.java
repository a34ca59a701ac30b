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
 * A {@link Detector} detects them layer after layer with its constants made once.
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
        try (Detector detector = new Detector(manager, params)) {
            return detector.detect(manager, hidden, imageStart, imageEnd);
        }
    }

    /** Takes {@code all} [B, T] (boolean, not shared) as the sinks, split by {@code inImage} [T]; arrays go to {@code manager}. */
    private static SinkTokens adopt(NDManager manager, NDArray all, NDArray inImage) {
        NDArray visual = all.logicalAnd(inImage);
        NDArray text = all.logicalXor(visual); // visual is a subset of all: what remains is outside the image
        for (NDArray a : new NDArray[] {all, visual, text}) {
            ImageCentricHeads.own(manager, a);
        }
        return new SinkTokens(all, visual, text);
    }

    /**
     * Stage 1 for one configuration (sink dimensions, tau), its constants made once: a hook that detects sinks in
     * every layer of every sample keeps one, so a layer costs the sink score and three mask ops. The image mask of
     * the last span seen is kept too (samples of one prompt template share it).
     */
    public static final class Detector implements AutoCloseable {
        private final NDManager constants;
        private final SinkScore score;
        private final NDArray tau;
        private NDArray inImage;
        private long[] span = {-1, -1, -1};

        /** A detector for {@code params}' dimensions and tau; its constants live in a sub-manager of {@code manager}. */
        public Detector(NDManager manager, VarParams params) {
            this.constants = manager.newSubManager();
            this.score = new SinkScore(constants, params.sinkDims());
            this.tau = ImageCentricHeads.own(constants, constants.create((float) params.tau()));
        }

        /** The sinks of {@code hidden} [B, T, D] (strict {@code phi > tau}); arrays go to {@code manager}. */
        public SinkTokens detect(NDManager manager, NDArray hidden, int imageStart, int imageEnd) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                return adopt(manager, score.phi(hidden).gt(tau), imageMask(hidden.getShape().get(1), imageStart, imageEnd));
            }
        }

        /** [tokens] boolean, true on {@code [start, end)}; kept until a different span is asked for (do not close it). */
        public NDArray imageMask(long tokens, int start, int end) {
            if (span[0] != tokens || span[1] != start || span[2] != end) {
                if (inImage != null) {
                    inImage.close();
                }
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    inImage = ImageCentricHeads.own(constants, SinkTokens.imageMask(constants, tokens, start, end));
                }
                span = new long[] {tokens, start, end};
            }
            return inImage;
        }

        @Override
        public void close() {
            constants.close();
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
