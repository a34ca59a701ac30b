package sinkscope.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import sinkscope.bench.BenchModel;
import sinkscope.bench.Soak;
import sinkscope.data.SyntheticBenchmark;
import sinkscope.spark.DeviceAssignment;
import sinkscope.spark.ExtractOptions;
import sinkscope.spark.ModelSampleRunner;
import sinkscope.spark.RunnerSpec;

/**
 * {@code soak --samples N [--warmup 1000] [--model DIR] [--images DIR] [--sink-dims a,b] [--tau T] [--threads 1]
 * [--generate true --max-new-tokens 8]}: the extract path (with {@code --generate}: a greedy generation of
 * {@code --max-new-tokens} per sample) N times (after the unmeasured warm-up) in one JVM, resident memory growth first to last tenth ({@link Soak}). Without {@code --images}, 8 synthetic
 * images; without {@code --model}, the bundled tiny checkpoint. Pin the Java heap so that RSS is about native
 * memory: {@code JAVA_OPTS="-Xms2g -Xmx2g -XX:+AlwaysPreTouch" jobs/sinkscope soak --samples 2000}.
 */
final class SoakCommand implements Main.Command {
    @Override
    public String summary() {
        return "native memory soak: the extract path N times, rss_growth first to last tenth (--samples N [--model DIR] [--images DIR])";
    }

    @Override
    public int run(Args args) throws Exception {
        args.required("samples");
        int n = args.integer("samples", 0);
        int warmup = args.integer("warmup", 1000);
        String images = args.string("images", null);
        boolean generate = args.bool("generate", false);
        RunnerSpec spec = BenchModel.spec(args.string("model", null), args.ints("sink-dims"), args.number("tau", Double.NaN),
                args.integer("threads", 1), args.integer("max-new-tokens", 8));
        args.requireAllUsed();
        Path tmp = null;
        Path imageDir;
        if (images == null) {
            tmp = Files.createTempDirectory("sinkscope-soak");
            SyntheticBenchmark.generate(tmp.resolve("synth"), 8, 1, SyntheticBenchmark.DEFAULT_SIZE, SyntheticBenchmark.DEFAULT_TRAIN_FRACTION);
            imageDir = tmp.resolve("synth/images");
        } else {
            imageDir = Path.of(images);
        }
        try (ModelSampleRunner runner = new ModelSampleRunner(spec, DeviceAssignment.cpu(spec.threads()))) {
            List<Path> files = Soak.images(imageDir);
            System.out.printf("soak: %d + %d warm-up %s over %d images of %s, model %s%n", n, warmup,
                    generate ? "generations of " + spec.maxNewTokens() + " tokens" : "extract samples", files.size(), imageDir, spec.modelDir());
            (generate ? Soak.runGeneration(runner, files, warmup, n, runner::liveArrays, System.out)
                    : Soak.run(runner, files, warmup, n, ExtractOptions.defaults(), runner::liveArrays, System.out)).print(System.out);
        } finally {
            if (tmp != null) {
                Files.walk(tmp).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }
}
