package sinkscope.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import sinkscope.data.Question;
import sinkscope.data.QuestionReader;
import sinkscope.data.SyntheticBenchmark;
import sinkscope.spark.DeviceAssignment;
import sinkscope.spark.EvalConfig;
import sinkscope.spark.ModelSampleRunner;
import sinkscope.spark.RunnerSpec;
import sinkscope.spark.SampleInput;

/**
 * What sharing one sample's vision features across its configurations saves: {@code n} synthetic samples, each
 * predicted under the four configurations (baseline, var, ablate_sinks, ablate_random), by a runner that shares the
 * image, its processed inputs and the vision tower's output between the configurations of a sample and by one that
 * recomputes them for every configuration. The two runners alternate sample by sample (who goes first alternating
 * too); {@code vision_sharing_saving} is the median over samples of (model time with sharing) / (model time
 * without), model time being the sum of the four predictions' wall times.
 */
public final class VisionSharingBench {
    private static final String[] CONFIGS = {"baseline", "var", "ablate_sinks", "ablate_random"};

    private VisionSharingBench() {}

    public static double run(RunnerSpec spec, int samples, Path work, PrintStream out) throws Exception {
        Path synth = work.resolve("synthetic");
        SyntheticBenchmark.generate(synth, samples / 5 + 2, 1, SyntheticBenchmark.DEFAULT_SIZE, 0.0);
        List<Question> all = QuestionReader.read(synth.resolve("eval").resolve("questions.jsonl")).questions();
        List<Question> questions = all.subList(0, Math.min(samples, all.size()));
        try (ModelSampleRunner shared = runner(spec, "true"); ModelSampleRunner fresh = runner(spec, "false")) {
            List<Double> ratios = new ArrayList<>();
            double withSum = 0;
            double withoutSum = 0;
            for (int i = 0; i < questions.size(); i++) {
                Question q = questions.get(i);
                SampleInput in = new SampleInput(q.questionId(), null, synth.resolve("images").resolve(q.image()).toString(), null, q.text(),
                        q.label(), q.category(), null, null);
                double a;
                double b;
                if (i % 2 == 0) {
                    a = time(shared, in);
                    b = time(fresh, in);
                } else {
                    b = time(fresh, in);
                    a = time(shared, in);
                }
                if (i > 0) { // the first sample warms both runners up
                    ratios.add(a / b);
                    withSum += a;
                    withoutSum += b;
                }
            }
            double saving = Figures.median(ratios);
            out.printf(Locale.ROOT, "vision sharing: %d samples x %d configs, model %s: %.1f ms per sample with sharing, %.1f ms without%n",
                    ratios.size(), CONFIGS.length, spec.modelDir(), withSum / ratios.size() * 1e3, withoutSum / ratios.size() * 1e3);
            out.printf(Locale.ROOT, "vision_sharing_saving: %.3f%n", saving);
            return saving;
        }
    }

    private static ModelSampleRunner runner(RunnerSpec spec, String share) {
        String before = System.getProperty("sinkscope.shareVision");
        System.setProperty("sinkscope.shareVision", share);
        try {
            return new ModelSampleRunner(spec, DeviceAssignment.cpu(spec.threads()));
        } finally {
            if (before == null) {
                System.clearProperty("sinkscope.shareVision");
            } else {
                System.setProperty("sinkscope.shareVision", before);
            }
        }
    }

    /** Seconds for the four configurations of one sample. */
    private static double time(ModelSampleRunner runner, SampleInput in) throws Exception {
        long t0 = System.nanoTime();
        for (String c : CONFIGS) {
            runner.predict(in, EvalConfig.parse(c), List.of());
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** For the command: a temporary work directory removed afterwards. */
    public static double run(RunnerSpec spec, int samples, PrintStream out) throws Exception {
        Path work = Files.createTempDirectory("sinkscope-vision-sharing");
        try {
            return run(spec, samples, work, out);
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                out.println("could not remove " + work + ": " + e.getMessage());
            }
        }
    }
}
