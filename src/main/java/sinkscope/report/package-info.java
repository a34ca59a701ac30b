/**
 * Pictures: PNG charts and the self-contained HTML report over a pipeline's Parquet outputs, and the CSV/JSON export.
 *
 * <p>{@link sinkscope.report.Report} runs one section class per part of the page, each a query (tables in, plain data
 * out, through {@code Input}) and a render (data in, HTML and {@code Charts} out); {@code Page} is the page writer and
 * the only class of the report that writes files. Depends on Spark (to read Parquet), {@link sinkscope.spark}
 * (schemas) and a chart library.
 */
package sinkscope.report;
