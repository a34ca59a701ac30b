/**
 * Spark jobs and stages: extract, sinkstats, evaluate, pipeline; the per-executor model cache, GPU assignment
 * from the task's resources, and the Parquet schemas of every output table in one place.
 *
 * <p>May depend on every other package except {@code cli} and {@code report}.
 */
package sinkscope.spark;
