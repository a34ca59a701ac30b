package sinkscope.intervention;

import ai.djl.ndarray.NDManager;
import java.nio.charset.StandardCharsets;
import sinkscope.model.Inputs;

/**
 * What an {@link Intervention} may know about the model and the sample when it makes a sample's hook and next-token
 * choice.
 *
 * @param manager the sample's manager (arrays a hook or a contrast input keeps live under it)
 * @param numLayers decoder layers L of the model
 * @param sinkDims the run's sink dimensions D_sink
 * @param tau the run's absolute sink threshold
 * @param sampleId the sample's question id (may be null): a seed for methods that draw at random
 * @param inputs the sample's processed prompt and image (null where only a hook is asked for)
 * @param imageTokenIds the prompt ids that stand for the image ({@link sinkscope.model.ModelConfig#imageTokenIds})
 * @param seed the sample's seed ({@link #seed(long, String, String)}): sampling and noise draw from it
 */
public record Context(NDManager manager, int numLayers, int[] sinkDims, double tau, String sampleId, Inputs inputs, long[] imageTokenIds, long seed) {

    /** A context for hooks only: no inputs, no image ids, seed 0. */
    public Context(NDManager manager, int numLayers, int[] sinkDims, double tau, String sampleId) {
        this(manager, numLayers, sinkDims, tau, sampleId, null, new long[0], 0);
    }

    /**
     * The seed of one (sample, config) of a run: the first 8 bytes (big-endian) of
     * {@code SHA-256(runSeed + "\0" + questionId + "\0" + config)} (a null id as the empty string). It depends on
     * nothing else (not on the batch, the partition or the order of the samples), so a rerun or a resumed run draws
     * the same tokens for the sample; configs of one sample draw independently.
     */
    public static long seed(long runSeed, String questionId, String config) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((runSeed + "\0" + (questionId == null ? "" : questionId) + "\0" + config).getBytes(StandardCharsets.UTF_8));
            return java.nio.ByteBuffer.wrap(h, 0, 8).getLong();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
