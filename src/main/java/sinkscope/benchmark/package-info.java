/**
 * The benchmark registry: one {@link sinkscope.benchmark.Benchmark} class per benchmark (its published layout, prompt
 * suffix, answer parsing, official metrics, headline metric and units, and how {@code score} matches predictions),
 * registered in {@link sinkscope.benchmark.Benchmarks}. {@link sinkscope.benchmark.PublishedBenchmark} reads a layout as
 * questions, {@link sinkscope.benchmark.BenchmarkScores} gives a benchmark's metrics per config and category, and
 * {@link sinkscope.benchmark.ScoreRun} is what {@code score} computes. Units and names: {@code docs/benchmarks-registry.md}.
 *
 * <p>Depends on {@link sinkscope.data} (readers) and {@link sinkscope.eval} (scorers); neither depends on it; nothing of
 * Spark or the model.
 */
package sinkscope.benchmark;
