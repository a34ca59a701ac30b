/**
 * Datasets: LLaVA/POPE question JSONL with an image folder, tables with image bytes, the synthetic benchmark
 * generator, and image decoding with limits (size, pixel count, paths that escape the image root).
 *
 * <p>The benchmarks in their published layouts, each reader returning its records and one {@link
 * sinkscope.data.ReadError} (file, line, field, reason) per bad record, the rest read on: {@link
 * sinkscope.data.MmeReader}, {@link sinkscope.data.MmbenchReader}, {@link sinkscope.data.ChoiceReaders} (ScienceQA,
 * SEED-Bench, CV-Bench, MMVP), {@link sinkscope.data.VqaReader} (VQAv2, TextVQA, VizWiz), {@link
 * sinkscope.data.GqaReader}, {@link sinkscope.data.CocoReader} (captions and instances for CHAIR), {@link
 * sinkscope.data.JudgeReaders} (MM-Vet, LLaVA-Bench in the wild: asked, scored by their judges) and {@link
 * sinkscope.data.PredictionReader} (LLaVA-style predictions JSONL).
 *
 * <p>{@link sinkscope.data.PublishedBenchmark} turns those readers' records into the questions evaluate asks.
 *
 * <p>Questions may name their benchmark and task and carry options, reference answers and a group ({@link
 * sinkscope.data.Question}); {@link sinkscope.data.PromptTemplate} has LLaVA-1.5's prompt suffix per benchmark.
 *
 * <p>Every location is opened through {@link sinkscope.data.Storage}: local paths as the JDK's, other URI schemes as
 * {@link java.nio.file.Path}s backed by Hadoop's {@code FileSystem} ({@code HadoopPath}), so the readers work on both.
 *
 * <p>Depends on the JDK, Hadoop's FileSystem API, Gson, DJL, {@link sinkscope.model} and the task names of {@link sinkscope.eval.TaskScore} and {@link sinkscope.eval.Chair} (CHAIR's ground truth); nothing of Spark.
 */
package sinkscope.data;
