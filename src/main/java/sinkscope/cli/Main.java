package sinkscope.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code jobs/sinkscope <command> [--flags]}: the one entry point, on picocli. Each command is a class in this package
 * with its flags as {@code @Option} fields; flags several commands share are mixins ({@link SparkFlags},
 * {@link ModelFlags}, {@link VarFlags}, {@link FromRun}), one definition per flag. Exit codes: {@value #OK} ok (and
 * {@code --help}, {@code --version}), {@value #FAILED} the job failed (or, for extract, evaluate and pipeline, a stage's
 * inputs did not balance), {@value #USAGE} a usage error (unknown or malformed flag, a missing or conflicting flag, a
 * bad value the command checks itself).
 */
@Command(name = "sinkscope", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = "Measures the visual attention sink of multimodal LLMs and evaluates VAR on Spark. "
                + "`jobs/sinkscope <command> --help` describes a command's flags.",
        synopsisSubcommandLabel = "COMMAND",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:the job failed (or its inputs did not balance: inputs = outputs + errors)",
            "2:usage error (unknown, missing or malformed flag)"},
        subcommands = {
            // the order `jobs/sinkscope --help` lists them
            CommandLine.HelpCommand.class, DoctorCommand.class, InfoCommand.class, InspectCommand.class, GenerateCommand.class,
            SinkDimsCommand.class, AblateCommand.class, BenchForwardCommand.class, VarReplayCommand.class, SynthCommand.class,
            ExtractCommand.class, SinkStatsCommand.class, EvaluateCommand.class, ScoreCommand.class, PipelineCommand.class,
            ReportCommand.class, ExportCommand.class, SoakCommand.class, BenchPipelineCommand.class, BenchScaleCommand.class, TrainReferenceCommand.class,
            DocsCommand.class})
public final class Main implements Callable<Integer> {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    /** Without a command: the list of commands on stderr, exit {@value #USAGE}. */
    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return USAGE;
    }

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    /** Runs a command and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... argv) {
        return commandLine().execute(argv);
    }

    /** The command tree with SinkScope's error handling: usage errors exit 2 with a "did you mean", failures exit 1. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // every Path flag may be a URI of any scheme the class path's Hadoop has (hdfs://, s3a://, ...), not only a local path
        cl.registerConverter(java.nio.file.Path.class, sinkscope.data.Storage::path);
        cl.setOut(new PrintWriter(System.out, true));
        cl.setErr(new PrintWriter(System.err, true));
        cl.setUsageHelpWidth(120);
        CommandSpec root = cl.getCommandSpec();
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandSpec c = sub.getCommandSpec();
            c.usageMessage().abbreviateSynopsis(true); // "[OPTIONS]": the option list follows
            if (c.options().stream().anyMatch(o -> o.required())) {
                c.usageMessage().requiredOptionMarker('*').footer("", "* required");
            }
            if (!(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                c.usageMessage().exitCodeListHeading(root.usageMessage().exitCodeListHeading()).exitCodeList(root.usageMessage().exitCodeList());
            }
        }
        cl.setExitCodeExceptionMapper(e -> e instanceof ParameterException || isUsage(e) ? USAGE : FAILED);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((e, command, parsed) -> {
            String name = "sinkscope " + command.getCommandName();
            if (isUsage(e)) {
                command.getErr().println(name + ": " + e.getMessage());
                command.getErr().println("see: jobs/sinkscope " + command.getCommandName() + " --help");
                return USAGE;
            }
            if (e instanceof sinkscope.model.CheckpointException || e instanceof sinkscope.spark.ErrorBudget.Exceeded
                    || e instanceof sinkscope.spark.OutputLock.Held) {
                command.getErr().println(name + ": " + e.getMessage());
                return FAILED;
            }
            command.getErr().println(name + ": " + e);
            command.getErr().flush();
            e.printStackTrace();
            return FAILED;
        });
        return cl;
    }

    /** A mistake on the command line found while running (a bad value, a missing or conflicting flag). */
    private static boolean isUsage(Throwable e) {
        return e instanceof UsageException || e instanceof IllegalArgumentException;
    }

    /** Unknown, missing or malformed flags: the message, picocli's "did you mean" suggestions and where the help is. */
    private static int usageError(ParameterException e, String[] argv) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String path = cmd.getCommandSpec().qualifiedName(" ");
        err.println(path + ": " + e.getMessage());
        if (e instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            err.println("did you mean: " + String.join(", ", u.getSuggestions()) + "?");
        }
        err.println("see: jobs/" + path + " --help");
        err.flush();
        return USAGE;
    }

    /** {@code --version}: the pom's version (sinkscope/version.properties, filtered by Maven) and the Java runtime. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sinkscope " + version(), "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }

        static String version() {
            try (InputStream in = Main.class.getResourceAsStream("/sinkscope/version.properties")) {
                if (in == null) {
                    return "unknown (no sinkscope/version.properties on the classpath)";
                }
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
