/**
 * Benchmarks behind {@code bench-forward}, {@code bench-pipeline} and {@code soak}: each times SinkScope against a
 * bare baseline measured in the same run (GEMMs of the same shapes, the pass without hooks, the model time inside
 * the Spark jobs), interleaved, and reports medians as {@code name: value} lines. {@link sinkscope.bench.PipelineBench} and
 * {@link sinkscope.bench.ScaleBench} (one large run with the model-free {@link sinkscope.bench.ShapeRunnerFactory}: table
 * sizes, memory and the projection to a million images) use Spark.
 */
package sinkscope.bench;
