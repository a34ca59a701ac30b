package sinkscope.intervention;

import ai.djl.ndarray.NDManager;

/**
 * What an {@link Intervention} may know about the model and the sample when it makes a sample's hook.
 *
 * @param manager the sample's manager (arrays a hook keeps live under it)
 * @param numLayers decoder layers L of the model
 * @param sinkDims the run's sink dimensions D_sink
 * @param tau the run's absolute sink threshold
 * @param sampleId the sample's question id (may be null): a seed for methods that draw at random
 */
public record Context(NDManager manager, int numLayers, int[] sinkDims, double tau, String sampleId) {}
