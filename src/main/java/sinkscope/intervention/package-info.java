/**
 * The intervention registry: each training-free method compared with the baseline (VAR, the sink ablations, PAI, VCD,
 * VAF) is one {@link sinkscope.intervention.Intervention} class with typed {@link sinkscope.intervention.Parameter}s,
 * registered in {@link sinkscope.intervention.Interventions#ALL}, its defaults in
 * {@code conf/interventions/<name>.json}. Methods act through the model's seams only: the hook (scores before softmax,
 * attention after it) and the next-token choice ({@link sinkscope.intervention.NextToken}: a decoding mode and an
 * optional second input per sample). Knows the model and {@code sink}, nothing of Spark.
 */
package sinkscope.intervention;
