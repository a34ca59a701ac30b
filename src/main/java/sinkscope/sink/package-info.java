/**
 * The paper's analysis, model-agnostic: sink scores and sink tokens, sink-dimension discovery, image-centric
 * heads (HeadFork), Visual Attention Redistribution (VAR) and sink-token ablation. NDArray in, plain results out,
 * computed on the device.
 *
 * <p>Depends on DJL and {@link sinkscope.model} (for the hook interface); nothing of Spark.
 */
package sinkscope.sink;
