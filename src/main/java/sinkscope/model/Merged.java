package sinkscope.model;

import ai.djl.ndarray.NDArray;

/**
 * The merged decoder input of one prompt: embeddings [1, S, D], the image rows {@code [imageStart, imageEnd)} (-1
 * without image) and, for multimodal rotary embeddings, the 3 position rows {t, h, w} of every position with the
 * offset {@code ropeDelta} that decode steps add to their cache position (null and 0 for 1-D positions).
 */
public record Merged(NDArray inputsEmbeds, int imageStart, int imageEnd, long[][] positionIds, int ropeDelta) implements AutoCloseable {

    public Merged(NDArray inputsEmbeds, int imageStart, int imageEnd) {
        this(inputsEmbeds, imageStart, imageEnd, null, 0);
    }

    public int length() {
        return (int) inputsEmbeds.getShape().get(1);
    }

    @Override
    public void close() {
        inputsEmbeds.close();
    }
}
