package sinkscope.model;

/**
 * Where a forward pass stands, as a hook sees it.
 *
 * @param index -1 for the prefill pass, then 0, 1, 2, ... for the decode steps (the authors' output-token counter)
 * @param queryStart absolute position of query row 0 (0 at prefill, the new token's position while decoding)
 * @param queryLength number of query rows Q in this pass
 * @param imageStart first position of the image embeddings in the merged sequence, -1 without an image
 * @param imageEnd one past the last image position (exclusive), -1 without an image
 * @param numLayers number of decoder layers L
 */
public record ForwardStep(int index, int queryStart, int queryLength, int imageStart, int imageEnd, int numLayers) {

    public boolean isPrefill() {
        return index < 0;
    }

    public boolean hasImage() {
        return imageStart >= 0 && imageEnd > imageStart;
    }

    /** Number of image tokens (0 without an image). */
    public int imageLength() {
        return hasImage() ? imageEnd - imageStart : 0;
    }

    /** Total key length K of this pass. */
    public int keyLength() {
        return queryStart + queryLength;
    }
}
