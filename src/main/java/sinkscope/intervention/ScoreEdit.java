package sinkscope.intervention;

import ai.djl.ndarray.NDArray;
import sinkscope.model.AttentionHook;
import sinkscope.model.ForwardStep;

/**
 * A pre-softmax edit ({@link AttentionHook#onScores}) in the decoder layers {@code [start, end)} of the passes that hold
 * the image: the plumbing PAI's and VAF's hooks share. {@link #edit} changes the scores {@code [B, H, Q, K]} in place.
 */
abstract class ScoreEdit implements AttentionHook {
    private final int start;
    private final int end;

    ScoreEdit(int start, int end) {
        this.start = start;
        this.end = end;
    }

    /** Edits the scores of one layer's pass, in place. */
    abstract void edit(NDArray scores, ForwardStep step);

    @Override
    public final boolean editsScores() {
        return true;
    }

    @Override
    public final NDArray onScores(int layer, NDArray s, ForwardStep step) {
        if (layer >= start && layer < end && step.hasImage()) {
            edit(s, step);
        }
        return s;
    }
}
