/**
 * Datasets: LLaVA/POPE question JSONL with an image folder, tables with image bytes, the synthetic benchmark
 * generator, and image decoding with limits (size, pixel count, paths that escape the image root).
 *
 * <p>Depends on the JDK, DJL and {@link sinkscope.model}; nothing of Spark.
 */
package sinkscope.data;
