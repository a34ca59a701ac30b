package sinkscope.model.clip;

/** CLIP vision tower hyper-parameters ({@code CLIPVisionConfig}: {@code vision_config} of a llava-hf config.json). */
public record ClipVisionConfig(
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int imageSize,
        int patchSize,
        int numChannels,
        String hiddenAct,
        double layerNormEps) {

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    public int gridSize() {
        return imageSize / patchSize;
    }

    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** Parameters of the whole CLIP vision model (all layers, post_layernorm included, as stored). */
    public long parameterCount() {
        long d = hiddenSize;
        long perLayer = 4 * (d * d + d) + 2 * d * intermediateSize + intermediateSize + d + 4 * d;
        long embed = (long) numChannels * patchSize * patchSize * d + d + (long) (numPatches() + 1) * d;
        return embed + 4 * d + perLayer * numHiddenLayers;
    }
}
