package sinkscope.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
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
 * [--generate --max-new-tokens 8]}: the extract path (with {@code --generate}: a greedy generation of
 * {@code --max-new-tokens} per sample) N times (after the unmeasured warm-up) in one JVM, resident memory growth first to last tenth ({@link Soak}). Without {@code --images}, 8 synthetic
 * images; without {@code --model}, the bundled tiny checkpoint. Pin the Java heap so that RSS is about native
 * memory: {@code JAVA_OPTS="-Xms2g -Xmx2g -XX:+AlwaysPreTouch" jobs/sinkscope soak --samples 2000}.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = "native memory soak: the extract path (or --generate: a generation) N times in one JVM, rss_growth first to last tenth")
final class SoakCommand implements Callable<Integer> {
    @Option(names = "--samples", paramLabel = "INT", required = true, order = 1, description = "measured samples")
    int n;
    @Option(names = "--warmup", paramLabel = "INT", order = 2, defaultValue = "1000", description = "unmeasured samples first (default: ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--images", paramLabel = "DIR", order = 3, description = "images to cycle through (default: 8 synthetic images)")
    String images;
    @Option(names = "--model", paramLabel = "DIR", order = 4, description = "model folder (default: the bundled tiny LLaVA)")
    String model;
    @Option(names = "--sink-dims", paramLabel = "INT", order = 5, split = ",", description = "sink dimensions (default: the model's known dims)")
    int[] sinkDims;
    @Option(names = "--tau", paramLabel = "NUM", order = 6, description = "sink threshold (default: 0.3125 sqrt(hidden))")
    Double tau;
    @Option(names = "--threads", paramLabel = "INT", order = 7, defaultValue = "1", description = "libtorch intra-op threads (default: ${DEFAULT-VALUE})")
    int threads;
    @Option(names = "--generate", paramLabel = "BOOL", order = 8, arity = "0..1", defaultValue = "false",
            description = "soak greedy generation instead of the extract path (default: ${DEFAULT-VALUE})")
    boolean generate;
    @Option(names = "--max-new-tokens", paramLabel = "INT", order = 9, defaultValue = "8", description = "tokens per generation with --generate (default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Override
    public Integer call() throws Exception {
        RunnerSpec spec = BenchModel.spec(model, sinkDims, tau == null ? Double.NaN : tau, threads, maxNewTokens);
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
        return Main.OK;
    }
}
