package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import sinkscope.spark.Pipeline;

/** The command line: help on every command, "did you mean", the exit codes, --version, and the flags a run records. */
class CliTest {

    /** A command's exit code, stdout and stderr. */
    record Run(int code, String out, String err) {}

    static Run run(String... argv) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run(argv);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpOfEveryCommandExitsZeroAndDescribesEveryOption() {
        Map<String, CommandLine> commands = Main.commandLine().getSubcommands();
        assertEquals(22, commands.size(), "help + 21 commands: " + commands.keySet());
        int options = 0;
        for (Map.Entry<String, CommandLine> c : commands.entrySet()) {
            if (c.getKey().equals("help")) {
                continue;
            }
            Run r = run(c.getKey(), "--help");
            assertEquals(0, r.code(), c.getKey() + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: sinkscope " + c.getKey() + " [OPTIONS]"), r.out());
            for (OptionSpec o : c.getValue().getCommandSpec().options()) {
                assertTrue(r.out().contains(o.longestName()), c.getKey() + " --help names " + o.longestName() + ":\n" + r.out());
                assertTrue(o.description().length > 0 && !o.description()[0].isBlank(), c.getKey() + " " + o.longestName() + " has a description");
                options++;
            }
            assertEquals(r.out(), run("help", c.getKey()).out(), "`help " + c.getKey() + "` prints the same");
        }
        assertTrue(options > 150, "options described: " + options);
        // the Spark commands share one definition of each flag: 45 shared flags (+ --help, --version)
        for (String spark : List.of("extract", "sinkstats")) {
            assertEquals(47, commands.get(spark).getCommandSpec().options().size(), spark);
        }
        assertEquals(48, commands.get("pipeline").getCommandSpec().options().size(), "and --from-run");
        Run pipeline = run("pipeline", "--help");
        assertTrue(pipeline.out().matches("(?s).*--max-new-tokens=INT\\s+greedy answer length limit \\(default: 8\\).*"), pipeline.out());
        assertTrue(pipeline.out().matches("(?s).*--resume\\[=BOOL]\\s+skip samples already under --out \\(default: false\\).*"), pipeline.out());
    }

    @Test
    void aTypoGetsTheNearestFlagOrCommandAndExitsTwo() {
        Run flag = run("pipeline", "--partitons", "3");
        assertEquals(2, flag.code());
        assertTrue(flag.err().contains("sinkscope pipeline: Unknown options: '--partitons', '3'"), flag.err());
        assertTrue(flag.err().contains("did you mean: --partitions?"), flag.err());
        assertTrue(flag.err().contains("see: jobs/sinkscope pipeline --help"), flag.err());
        Run command = run("pipline");
        assertEquals(2, command.code());
        assertTrue(command.err().contains("did you mean: pipeline"), command.err());
    }

    @Test
    void usageErrorsExitTwoAndFailedJobsExitOne(@TempDir Path tmp) {
        Run missing = run("synth", "--out", tmp.resolve("s").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("Missing required options: '--images=INT', '--seed=INT'"), missing.err());
        Run malformed = run("extract", "--limit", "many");
        assertEquals(2, malformed.code());
        assertTrue(malformed.err().contains("Invalid value for option '--limit': 'many' is not an int"), malformed.err());
        Run conflict = run("extract", "--questions", "q.jsonl", "--table", "t", "--out", tmp.resolve("o").toString());
        assertEquals(2, conflict.code(), "checked by the command: " + conflict.err());
        assertTrue(conflict.err().contains("sinkscope extract: give one of --questions FILE.jsonl and --table PARQUET_DIR, not both"), conflict.err());
        assertEquals(2, run().code(), "no command");
        Path missingFile = tmp.resolve("no-such-predictions.jsonl");
        Run failed = run("score", "--benchmark", "pope", "--predictions", missingFile.toString());
        assertEquals(1, failed.code(), "a job that fails on its input: " + failed.err());
        assertTrue(failed.err().contains("NoSuchFileException: " + missingFile), failed.err());
    }

    @Test
    void versionIsThePomVersion() throws Exception {
        Matcher m = Pattern.compile("<artifactId>sinkscope</artifactId>\\s*<version>([^<]+)</version>").matcher(Files.readString(Path.of("pom.xml")));
        assertTrue(m.find());
        Run r = run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("sinkscope " + m.group(1) + "\n"), r.out());
    }

    /** The flags a run records (run.json's command.flags) read back into the same settings, booleans and lists included. */
    @Test
    void recordedFlagsParseBackToTheSameSettings() {
        CommandLine cl = Main.commandLine();
        CommandLine.ParseResult parsed = cl.parseArgs("evaluate", "--all-rounds", "--sink-dims", "3,5", "--limit=7", "--resume", "false",
                "--configs", "baseline,var[rho=0.2|0.8]", "--out", "/tmp/x");
        Map<String, String> flags = FromRun.given(parsed.subcommand());
        assertEquals(Map.of("all-rounds", "true", "sink-dims", "3,5", "limit", "7", "resume", "false", "configs", "baseline,var[rho=0.2|0.8]",
                "out", "/tmp/x"), flags);
        assertEquals(List.of("all-rounds", "sink-dims", "limit", "resume", "configs", "out"), List.copyOf(flags.keySet()), "in the order given");
        SparkFlags again = SparkFlags.parse(flags.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
        Pipeline.Settings s = again.settings(false);
        assertTrue(s.benchmarks().allRounds());
        assertFalse(s.resume());
        assertEquals(List.of(3, 5), s.runner().sinkDims());
        assertEquals(7, s.limit());
        assertEquals(3, s.configs().size(), "baseline and the two rho values");
    }
}
