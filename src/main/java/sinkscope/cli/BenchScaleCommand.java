package sinkscope.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import sinkscope.bench.ScaleBench;

/**
 * {@code bench-scale --samples N [--work DIR] [--master local[2]]}: one pipeline run over N synthetic samples with the
 * model-free shape runner ({@link ScaleBench}): samples/s, bytes per sample per table, memory at the start and the end,
 * the LLaVA-1.5-7B projection per million images. Without {@code --work} a temporary folder (kept: it is printed).
 */
final class BenchScaleCommand implements Main.Command {
    @Override
    public String summary() {
        return "benchmark: the tables at scale (--samples 20000): samples/s, bytes per sample per table, memory, LLaVA-1.5-7B projection per million images";
    }

    @Override
    public int run(Args args) throws Exception {
        int samples = args.integer("samples", 20000);
        String work = args.string("work", null);
        String master = args.string("master", "local[2]");
        args.requireAllUsed();
        Path dir = work == null ? Files.createTempDirectory("sinkscope-bench-scale") : Path.of(work);
        System.out.println("bench-scale: work folder " + dir);
        new ScaleBench(samples, dir, master, System.out).run();
        return 0;
    }
}
