/**
 * The command-line entry point ({@link sinkscope.cli.Main}) and its subcommands on picocli: one class per command with
 * its flags as typed, described {@code @Option} fields, the flags several commands share as mixins
 * ({@link sinkscope.cli.SparkFlags}, {@link sinkscope.cli.ModelFlags}, {@link sinkscope.cli.DeviceFlags},
 * {@link sinkscope.cli.VarFlags}, {@link sinkscope.cli.FromRun}); argument parsing and printing only, no logic of its own.
 */
package sinkscope.cli;
