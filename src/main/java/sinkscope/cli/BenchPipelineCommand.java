package sinkscope.cli;

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
final class BenchPipelineCommand implements Main.Command {
    @Override
    public String summary() {
        return "benchmark: Spark overhead over model time, local[2] vs local[1], Parquet bytes per sample (--samples N [--model DIR]); --vision-sharing true: what sharing a sample's vision features across configs saves; --batch-size 1,4,8: samples/s per batch size";
    }

    @Override
    public int run(Args args) throws Exception {
        int samples = args.integer("samples", 200);
        int runs = args.integer("runs", 3);
        int warmup = args.integer("warmup", 8);
        String work = args.string("work", null);
        boolean timeline = args.bool("timeline", false);
        boolean visionSharing = args.bool("vision-sharing", false);
        int[] sizes = args.ints("batch-size");
        java.util.List<Integer> batchSizes = sizes == null ? java.util.List.of() : java.util.Arrays.stream(sizes).boxed().toList();
        var spec = BenchModel.spec(args.string("model", null), args.ints("sink-dims"), args.number("tau", Double.NaN), 1,
                args.integer("max-new-tokens", 8));
        args.requireAllUsed();
        if (visionSharing) {
            // model time only: the four configs of each sample with and without shared vision features
            sinkscope.bench.VisionSharingBench.run(spec, samples, System.out);
            return 0;
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
        return 0;
    }
}
