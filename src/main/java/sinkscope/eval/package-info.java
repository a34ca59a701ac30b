/**
 * Evaluation: answer parsing and each benchmark's official metric. POPE yes/no ({@link sinkscope.eval.PopeAnswer},
 * {@link sinkscope.eval.Metrics}, {@link sinkscope.eval.MetricsTable}); open answers with the official VQA
 * normalization and VQA accuracy for VQAv2, TextVQA and VizWiz ({@link sinkscope.eval.VqaNormalizer},
 * {@link sinkscope.eval.VqaAccuracy}) and GQA exact match ({@link sinkscope.eval.GqaAnswer}); option letters as
 * each benchmark's scorer reads them ({@link sinkscope.eval.OptionAnswer}, {@link sinkscope.eval.ChoiceAnswer}),
 * with MMBench's circular evaluation and MMVP's pairs ({@link sinkscope.eval.GroupedAccuracy}) and CV-Bench's
 * 2D/3D means ({@link sinkscope.eval.CvBenchScore}); MME's accuracy, accuracy+ and totals
 * ({@link sinkscope.eval.MmeScore}); CHAIR ({@link sinkscope.eval.Chair}); paired significance of a config
 * against baseline ({@link sinkscope.eval.Significance}); the judge-scored benchmarks' answer files, byte for byte as LLaVA's
 * scripts write them ({@link sinkscope.eval.JudgeFiles}). {@link sinkscope.eval.TaskScore} scores one answer by its
 * task's rule; which rule and which metrics a benchmark uses is the benchmark registry's ({@code sinkscope.benchmark}).
 *
 * <p>Plain Java; nothing of Spark, DJL, the model or {@code sinkscope.data}: scorers take strings and numbers.
 */
package sinkscope.eval;
