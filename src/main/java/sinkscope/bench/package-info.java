/**
 * Benchmarks behind {@code bench-forward} and friends: each times SinkScope against a bare baseline measured in
 * the same run (GEMMs of the same shapes, the pass without hooks), interleaved, and reports medians as
 * {@code name: value} lines. No Spark here.
 */
package sinkscope.bench;
