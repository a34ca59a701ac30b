package sinkscope.model;

import ai.djl.ndarray.NDArray;

/**
 * The merged decoder input of one prompt: embeddings [1, S, D], the image rows {@code [imageStart, imageEnd)} (-1
 * without image) and, for multimodal rotary embeddings, the 3 position rows {t, h, w} of every position with the
 * offset {@code ropeDelta} that decode steps add to their cache position (null and 0 for 1-D positions).
 * {@code imageAdditions} [k, N, D] (or null): what the prefill adds to the image rows' hidden states after decoder layers
 * {@code 0..k-1} (Qwen3-VL's DeepStack), so that layer {@code l + 1} and its hook see the sum.
 */
public record Merged(NDArray inputsEmbeds, int imageStart, int imageEnd, long[][] positionIds, int ropeDelta, NDArray imageAdditions)
        implements AutoCloseable {

    public Merged(NDArray inputsEmbeds, int imageStart, int imageEnd, long[][] positionIds, int ropeDelta) {
        this(inputsEmbeds, imageStart, imageEnd, positionIds, ropeDelta, null);
    }

    public Merged(NDArray inputsEmbeds, int imageStart, int imageEnd) {
        this(inputsEmbeds, imageStart, imageEnd, null, 0);
    }

    public int length() {
        return (int) inputsEmbeds.getShape().get(1);
    }

    @Override
    public void close() {
        inputsEmbeds.close();
        if (imageAdditions != null) {
            imageAdditions.close();
        }
    }
}
