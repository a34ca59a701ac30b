/**
 * The intervention registry: each training-free method compared with the baseline (VAR, the sink ablations, PAI's
 * attention amplification, VAF) is one {@link sinkscope.intervention.Intervention} class with typed
 * {@link sinkscope.intervention.Parameter}s, registered in {@link sinkscope.intervention.Interventions#ALL}, its
 * defaults in {@code conf/interventions/<name>.json}. Methods act through the model's hook seam only (scores before
 * softmax, attention after it). Knows the model and {@code sink}, nothing of Spark.
 */
package sinkscope.intervention;
