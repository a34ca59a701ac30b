package sinkscope.cli;

import java.nio.file.Path;
import sinkscope.data.SyntheticBenchmark;

/** {@code synth --out DIR --images N --seed S [--size 224] [--train-fraction 0.5]}: writes the synthetic benchmark. */
public final class SynthCommand implements Main.Command {

    @Override
    public String summary() {
        return "write the synthetic POPE benchmark (shapes x colours): --out DIR --images N --seed S [--size 224] [--train-fraction 0.5]";
    }

    @Override
    public int run(Args args) throws Exception {
        Path out = args.path("out");
        args.required("images");
        int images = args.integer("images", 0);
        long seed = seed(args.required("seed"));
        String sizeFlag = args.string("size", null);
        int[] size = sizeFlag == null ? new int[] {SyntheticBenchmark.DEFAULT_SIZE, SyntheticBenchmark.DEFAULT_SIZE}
                : SparkFlags.size(sizeFlag.replace("--synthetic-size", "--size"));
        double trainFraction = args.number("train-fraction", SyntheticBenchmark.DEFAULT_TRAIN_FRACTION);
        args.requireAllUsed();
        long start = System.nanoTime();
        SyntheticBenchmark.Summary s = SyntheticBenchmark.generate(out, images, seed, size[0], size[1], trainFraction);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(java.util.Locale.ROOT,
                "synth: %d images (%d train, %d eval), %d train questions, %d eval questions in %s (%.1f s)%n",
                s.images(), s.trainImages(), s.evalImages(), s.trainQuestions(), s.evalQuestions(), out, seconds);
        return 0;
    }

    private static long seed(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new Args.UsageException("--seed expects an integer, got '" + value + "'");
        }
    }
}
