package sinkscope.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import sinkscope.spark.RunnerSpec;

/**
 * The model the Spark-side benchmarks ({@code soak}, {@code bench-pipeline}) run: the one given, or else the bundled
 * tiny golden checkpoint {@value #TINY_MODEL} (the shared reference data beside the checkout) under the {@code sinkscope.home} system property (set by
 * {@code jobs/sinkscope}; the working directory otherwise) with its planted sink dims {7, 41} and tau 4.
 */
public final class BenchModel {
    /** The golden tiny LLaVA, relative to the project root. */
    public static final String TINY_MODEL = "../shared/golden/llava-tiny-a";
    static final List<Integer> TINY_SINK_DIMS = List.of(7, 41);
    static final double TINY_TAU = 4;

    private BenchModel() {}

    /**
     * The runner spec: {@code model} (null = the bundled tiny model), {@code sinkDims} (null = the tiny model's, or
     * the known dims of the given model's LLM), {@code tau} (NaN = the tiny model's 4, or the paper's size-relative
     * threshold), CPU intra-op {@code threads} (0 = all cores), greedy {@code maxNewTokens}.
     */
    public static RunnerSpec spec(String model, int[] sinkDims, double tau, int threads, int maxNewTokens) {
        boolean tiny = model == null;
        String dir = tiny ? tinyModel().toString() : model;
        List<Integer> dims = sinkDims != null ? Arrays.stream(sinkDims).boxed().toList() : tiny ? TINY_SINK_DIMS : List.of();
        double t = !Double.isNaN(tau) ? tau : tiny ? TINY_TAU : 0;
        return new RunnerSpec(RunnerSpec.DEFAULT_FACTORY, dir, "auto", threads, dims, t, "model", maxNewTokens);
    }

    /** The bundled tiny checkpoint's directory; fails naming the path when it is not there. */
    public static Path tinyModel() {
        Path dir = Path.of(System.getProperty("sinkscope.home", "")).resolve(TINY_MODEL).toAbsolutePath();
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException("no --model given and no bundled tiny model at " + dir + "; give --model DIR");
        }
        return dir;
    }
}
