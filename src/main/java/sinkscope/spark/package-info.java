/**
 * Spark jobs and stages: extract, sinkstats, evaluate, pipeline; the per-executor model cache, GPU assignment
 * from the task's resources, and the Parquet schemas of every output table in one place. For clusters: a model given
 * as a URI copied once per node ({@link sinkscope.spark.ModelCache}), the stop of a run whose samples fail
 * ({@link sinkscope.spark.ErrorBudget}), one run per output root ({@link sinkscope.spark.OutputLock}) and the rows the
 * {@code tokens} table keeps ({@link sinkscope.spark.TokensKeep}).
 *
 * <p>May depend on every other package except {@code cli} and {@code report}.
 */
package sinkscope.spark;
