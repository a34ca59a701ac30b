/**
 * Benchmarks behind {@code bench-forward}, {@code bench-pipeline} and {@code soak}: each times SinkScope against a
 * bare baseline measured in the same run (GEMMs of the same shapes, the pass without hooks, the model time inside
 * the Spark jobs), interleaved, and reports medians as {@code name: value} lines. Only {@link sinkscope.bench.PipelineBench}
 * uses Spark.
 */
package sinkscope.bench;
