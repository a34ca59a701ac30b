/**
 * Evaluation: answer parsing (POPE yes/no as LLaVA's evaluation does, option letters) and metrics (accuracy,
 * precision, recall, F1, yes-ratio) per configuration, category and split.
 *
 * <p>Plain Java; nothing of Spark or DJL.
 */
package sinkscope.eval;
