/**
 * Datasets: LLaVA/POPE question JSONL with an image folder, tables with image bytes, the synthetic benchmark
 * generator, and image decoding with limits (size, pixel count, paths that escape the image root).
 *
 * <p>The benchmarks in their published layouts, each reader returning its records and one {@link
 * sinkscope.data.ReadError} (file, line, field, reason) per bad record, the rest read on: {@link
 * sinkscope.data.MmeReader}, {@link sinkscope.data.MmbenchReader}, {@link sinkscope.data.ChoiceReaders} (ScienceQA,
 * SEED-Bench, CV-Bench, MMVP), {@link sinkscope.data.VqaReader} (VQAv2, TextVQA, VizWiz), {@link
 * sinkscope.data.GqaReader}, {@link sinkscope.data.CocoReader} (captions and instances for CHAIR) and {@link
 * sinkscope.data.PredictionReader} (LLaVA-style predictions JSONL).
 *
 * <p>Depends on the JDK, Gson, DJL and {@link sinkscope.model}; nothing of Spark.
 */
package sinkscope.data;
