/** The command-line entry point and its subcommands; argument parsing and printing only, no logic of its own. */
package sinkscope.cli;
