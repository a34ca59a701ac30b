package sinkscope.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import sinkscope.bench.BenchModel;
import sinkscope.bench.PipelineBench;

/**
 * {@code bench-pipeline [--samples 200] [--runs 3] [--warmup 8] [--model DIR] [--sink-dims a,b] [--tau T]
 * [--max-new-tokens 8] [--work DIR] [--timeline] [--batch-size 1,4,8]}: Spark overhead, local[2] vs local[1] scaling and Parquet
 * bytes per sample ({@link PipelineBench}); with {@code --batch-size}, evaluate's samples/s per batch size and the speedups over
 * the first size instead, then {@code vision_sharing_saving} on the same model. The synthetic data and outputs go to {@code --work} (kept) or a temporary directory
 * (deleted). {@code --timeline} prints each timed run's Spark jobs: duration, task time, idle slot time, gaps.
 */
@Command(name = "bench-pipeline", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"benchmark: Spark overhead over model time, local[2] vs local[1], Parquet bytes per sample;",
            "--vision-sharing: what sharing a sample's vision features across configs saves; --batch-size 1,4,8: samples/s per batch size"})
final class BenchPipelineCommand implements Callable<Integer> {
    @Option(names = "--samples", paramLabel = "INT", order = 1, defaultValue = "200", description = "synthetic samples per run (default: ${DEFAULT-VALUE})")
    int samples;
    @Option(names = "--runs", paramLabel = "INT", order = 2, defaultValue = "3", description = "timed runs per variant, interleaved (default: ${DEFAULT-VALUE})")
    int runs;
    @Option(names = "--warmup", paramLabel = "INT", order = 3, defaultValue = "8", description = "untimed warm-up samples (default: ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--work", paramLabel = "DIR", order = 4, description = "keep the synthetic data and outputs here (default: a temporary folder, deleted)")
    String work;
    @Option(names = "--timeline", paramLabel = "BOOL", order = 5, arity = "0..1", defaultValue = "false",
            description = "print each timed run's Spark jobs: duration, task time, idle slot time, gaps (default: ${DEFAULT-VALUE})")
    boolean timeline;
    @Option(names = "--vision-sharing", paramLabel = "BOOL", order = 6, arity = "0..1", defaultValue = "false",
            description = "only time the four configs of each sample with and without shared vision features (default: ${DEFAULT-VALUE})")
    boolean visionSharing;
    @Option(names = "--batch-size", paramLabel = "INT", order = 7, split = ",",
            description = "time evaluate at each batch size instead (speedups over the first), then vision_sharing_saving")
    java.util.List<Integer> batchSizes = new java.util.ArrayList<>();
    @Option(names = "--model", paramLabel = "DIR", order = 8, description = "model folder (default: the bundled tiny LLaVA)")
    String model;
    @Option(names = "--sink-dims", paramLabel = "INT", order = 9, split = ",", description = "sink dimensions (default: the model's known dims)")
    int[] sinkDims;
    @Option(names = "--tau", paramLabel = "NUM", order = 10, description = "sink threshold (default: 0.3125 sqrt(hidden))")
    Double tau;
    @Option(names = "--max-new-tokens", paramLabel = "INT", order = 11, defaultValue = "8", description = "answer length limit (default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Override
    public Integer call() throws Exception {
        var spec = BenchModel.spec(model, sinkDims, tau == null ? Double.NaN : tau, 1, maxNewTokens);
        if (visionSharing) {
            // model time only: the four configs of each sample with and without shared vision features
            sinkscope.bench.VisionSharingBench.run(spec, samples, System.out);
            return Main.OK;
        }
        Path dir = work == null ? Files.createTempDirectory("sinkscope-bench-pipeline") : Path.of(work);
        try {
            PipelineBench bench = new PipelineBench(new PipelineBench.Settings(samples, runs, warmup, spec, dir, timeline), System.out);
            if (batchSizes.isEmpty()) {
                bench.run();
            } else {
                bench.batchSizes(batchSizes);
                // and, on the same model, what the configs of a sample save by sharing its vision features
                sinkscope.bench.VisionSharingBench.run(spec, Math.min(samples, 16), System.out);
            }
        } finally {
            if (work == null) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        return Main.OK;
    }
}
