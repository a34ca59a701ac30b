package sinkscope.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sinkscope.report.RunInfo;
import sinkscope.spark.Pipeline;

/**
 * The run record of evaluate and pipeline, a picocli mixin: the flags as given ({@code name -> value}, a bare boolean
 * flag as {@code "true"}) go into {@code OUT/run.json} ({@link RunInfo#record}), and {@code --from-run OUT/run.json}
 * re-runs such a record: its flags with the ones given now (e.g. {@code --out}) over them.
 */
public final class FromRun {
    @Option(names = "--from-run", paramLabel = "FILE", order = 5,
            description = "re-run a recorded run: the flags of its run.json, with the flags given now over them")
    Path fromRun;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The options matched in {@code parsed} as {@code name -> value} (without --from-run), in the order given. */
    static Map<String, String> given(CommandLine.ParseResult parsed) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (OptionSpec o : parsed.matchedOptions()) {
            String name = o.longestName().replaceFirst("^-+", "");
            if (name.equals("from-run") || o.usageHelp() || o.versionHelp()) {
                continue;
            }
            List<String> values = o.originalStringValues();
            flags.put(name, values.isEmpty() ? "true" : values.get(values.size() - 1));
        }
        return flags;
    }

    /** The flags of this run: as given, or with {@code --from-run} the recorded ones with the given ones over them. */
    Map<String, String> flags() throws IOException {
        Map<String, String> now = given(command.commandLine().getParseResult());
        if (fromRun == null) {
            return now;
        }
        Map<String, String> flags = new LinkedHashMap<>(RunInfo.recordedFlags(fromRun));
        flags.putAll(now);
        return flags;
    }

    /** The Spark flags of this run: {@code given} itself, or with {@code --from-run} the recorded flags re-parsed with the given ones over them. */
    SparkFlags spark(SparkFlags given, Map<String, String> flags) {
        if (fromRun == null) {
            return given;
        }
        List<String> argv = new ArrayList<>();
        flags.forEach((k, v) -> argv.add("--" + k + "=" + v));
        System.out.println(command.name() + ": re-running " + fromRun + " with " + flags);
        try {
            return SparkFlags.parse(argv.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new UsageException(fromRun + ": command.flags: " + e.getMessage());
        }
    }

    /** Writes the run record of this command ({@link RunInfo#record}) as {@code OUT/run.json}; returns its path. */
    Path writeRecord(Pipeline.Settings s, SparkSession spark, Map<String, String> flags) throws IOException {
        Path file = sinkscope.data.Storage.path(s.out()).resolve(RunInfo.RECORD);
        RunInfo.writeRecord(RunInfo.record(s, spark.sparkContext().master(), command.name(), flags, spark.version()), file);
        return file;
    }
}
