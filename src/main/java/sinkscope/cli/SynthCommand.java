package sinkscope.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import java.nio.file.Path;
import sinkscope.data.SyntheticBenchmark;

/** {@code synth --out DIR --images N --seed S [--size 224] [--train-fraction 0.5]}: writes the synthetic benchmark. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = "write the synthetic POPE benchmark (shapes x colours): images, train and eval questions, annotations")
public final class SynthCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", required = true, order = 1, description = "folder to write")
    Path out;
    @Option(names = "--images", paramLabel = "INT", required = true, order = 2, description = "number of images")
    int images;
    @Option(names = "--seed", paramLabel = "INT", required = true, order = 3, description = "random seed (the same seed writes the same files)")
    long seed;
    @Option(names = "--size", paramLabel = "WxH", order = 4, description = "image size, WxH or N (default: " + SyntheticBenchmark.DEFAULT_SIZE + ")")
    String sizeFlag;
    @Option(names = "--train-fraction", paramLabel = "NUM", order = 5, defaultValue = "" + SyntheticBenchmark.DEFAULT_TRAIN_FRACTION,
            description = "share of the images whose questions go to train/ (default: ${DEFAULT-VALUE})")
    double trainFraction;

    @Override
    public Integer call() throws Exception {
        int[] size = sizeFlag == null ? new int[] {SyntheticBenchmark.DEFAULT_SIZE, SyntheticBenchmark.DEFAULT_SIZE} : SparkFlags.size("--size", sizeFlag);
        long start = System.nanoTime();
        SyntheticBenchmark.Summary s = SyntheticBenchmark.generate(out, images, seed, size[0], size[1], trainFraction);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(java.util.Locale.ROOT,
                "synth: %d images (%d train, %d eval), %d train questions, %d eval questions in %s (%.1f s)%n",
                s.images(), s.trainImages(), s.evalImages(), s.trainQuestions(), s.evalQuestions(), out, seconds);
        return Main.OK;
    }
}
