package sinkscope.model.qwenvl;

/** The patch geometry of a Qwen-VL vision tower: what the image processor and the tower must agree on. */
public interface VisionShape {
    int inChannels();

    int temporalPatchSize();

    int patchSize();

    int spatialMergeSize();

    /** Values of one flattened patch: {@code C * T * P * P}. */
    default int patchDim() {
        return inChannels() * temporalPatchSize() * patchSize() * patchSize();
    }
}
