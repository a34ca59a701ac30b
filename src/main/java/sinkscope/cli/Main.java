package sinkscope.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code jobs/sinkscope <command> [--flags]}: the one entry point. Each command is a class in this package. */
public final class Main {

    /** A subcommand: reads its flags from {@link Args}, returns the process exit code. */
    public interface Command {
        String summary();

        int run(Args args) throws Exception;
    }

    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        // one line per command, in the order `help` lists them
        COMMANDS.put("doctor", new DoctorCommand());
        COMMANDS.put("info", new InfoCommand());
        COMMANDS.put("inspect", new InspectCommand());
        COMMANDS.put("generate", new GenerateCommand());
        COMMANDS.put("sink-dims", new SinkDimsCommand());
        COMMANDS.put("ablate", new AblateCommand());
        COMMANDS.put("bench-forward", new BenchForwardCommand());
        COMMANDS.put("var-replay", new VarReplayCommand());
        COMMANDS.put("synth", new SynthCommand());
        COMMANDS.put("extract", new ExtractCommand());
        COMMANDS.put("sinkstats", new SinkStatsCommand());
        COMMANDS.put("evaluate", new EvaluateCommand());
        COMMANDS.put("score", new ScoreCommand());
        COMMANDS.put("pipeline", new PipelineCommand());
        COMMANDS.put("report", new ReportCommand());
        COMMANDS.put("export", new ExportCommand());
        COMMANDS.put("soak", new SoakCommand());
        COMMANDS.put("bench-pipeline", new BenchPipelineCommand());
        COMMANDS.put("bench-scale", new BenchScaleCommand());
        COMMANDS.put("train-reference", new TrainReferenceCommand());
    }

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    /** Runs a command and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... argv) {
        if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help") || argv[0].equals("-h")) {
            usage();
            return argv.length == 0 ? 2 : 0;
        }
        Command cmd = COMMANDS.get(argv[0]);
        if (cmd == null) {
            System.err.println("sinkscope: unknown command '" + argv[0] + "'");
            usage();
            return 2;
        }
        String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        try {
            return cmd.run(new Args(rest));
        } catch (Args.UsageException | IllegalArgumentException e) {
            System.err.println("sinkscope " + argv[0] + ": " + e.getMessage());
            return 2;
        } catch (sinkscope.model.CheckpointException | sinkscope.spark.ErrorBudget.Exceeded | sinkscope.spark.OutputLock.Held e) {
            System.err.println("sinkscope " + argv[0] + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("sinkscope " + argv[0] + ": " + e);
            e.printStackTrace();
            return 1;
        }
    }

    private static void usage() {
        System.err.println("usage: jobs/sinkscope <command> [--flags]\n\ncommands:");
        for (Map.Entry<String, Command> e : COMMANDS.entrySet()) {
            System.err.printf("  %-16s %s%n", e.getKey(), e.getValue().summary());
        }
    }
}
