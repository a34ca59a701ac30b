/**
 * Pictures: PNG charts and the self-contained HTML report over a pipeline's Parquet outputs.
 *
 * <p>Depends on Spark (to read Parquet), {@link sinkscope.spark} (schemas) and a chart library.
 */
package sinkscope.report;
