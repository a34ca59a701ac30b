package sinkscope.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sinkscope.bench.ScaleBench;

/**
 * {@code bench-scale --samples N [--work DIR] [--master local[2]]}: one pipeline run over N synthetic samples with the
 * model-free shape runner ({@link ScaleBench}): samples/s, bytes per sample per table, memory at the start and the end,
 * the LLaVA-1.5-7B projection per million images. Without {@code --work} a temporary folder (kept: it is printed).
 */
@Command(name = "bench-scale", mixinStandardHelpOptions = true, sortOptions = false,
        description = "benchmark: the tables at scale: samples/s, bytes per sample per table, memory, LLaVA-1.5-7B projection per million images")
final class BenchScaleCommand implements Callable<Integer> {
    @Option(names = "--samples", paramLabel = "INT", order = 1, defaultValue = "20000", description = "synthetic samples of the run (default: ${DEFAULT-VALUE})")
    int samples;
    @Option(names = "--work", paramLabel = "DIR", order = 2, description = "keep the synthetic data and outputs here (default: a temporary folder, kept and printed)")
    Path work;
    @Option(names = "--master", paramLabel = "URL", order = 3, defaultValue = "local[2]", description = "Spark master (default: ${DEFAULT-VALUE})")
    String master;

    @Override
    public Integer call() throws Exception {
        Path dir = work == null ? Files.createTempDirectory("sinkscope-bench-scale") : work;
        System.out.println("bench-scale: work folder " + dir);
        new ScaleBench(samples, dir, master, System.out).run();
        return Main.OK;
    }
}
