package sinkscope.cli;

import ai.djl.ndarray.NDManager;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import sinkscope.data.ImageDecoder;
import sinkscope.model.Capture;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.KvCache;
import sinkscope.model.Lmm;
import sinkscope.model.Merged;
import sinkscope.model.ModelConfig;
import sinkscope.model.Torch;
import sinkscope.model.auto.Families;
import sinkscope.sink.SinkDimensions;
import sinkscope.sink.SinkDimsCheck;
import sinkscope.sink.VarParams;

/**
 * {@code sink-dims}: discovers the sink dimensions of a model from images. For every image, the prefill hidden
 * states of every layer feed {@link SinkDimensions} (|x_d|/RMS(x) over image tokens and over the most-attended
 * tokens); prints the top dimensions per layer and the recommended D_sink.
 */
@Command(name = "sink-dims", mixinStandardHelpOptions = true, sortOptions = false,
        description = "rank hidden dimensions by massive activation per layer and recommend D_sink")
final class SinkDimsCommand implements Callable<Integer> {
    @Option(names = "--images", paramLabel = "DIR", required = true, order = 1, description = "folder of images (png, jpg, bmp, gif), read in name order")
    Path images;
    @Option(names = "--limit", paramLabel = "INT", order = 2, defaultValue = "64", description = "images used, at most (default: ${DEFAULT-VALUE})")
    int limit;
    @Option(names = "--top", paramLabel = "INT", order = 3, defaultValue = "5", description = "dimensions listed per layer (default: ${DEFAULT-VALUE})")
    int top;
    @Option(names = "--tau", paramLabel = "NUM", order = 4, description = "threshold of the counts (default: 0.3125 sqrt(hidden))")
    Double tau;
    @Option(names = "--check", paramLabel = "BOOL", order = 5, arity = "0..1", defaultValue = "true",
            description = "second pass: does phi > tau on the dims find the most-attended image tokens (default: ${DEFAULT-VALUE})")
    boolean check;
    @Option(names = "--check-dims", paramLabel = "INT", order = 6, split = ",", description = "dims the check uses (default: the recommended ones)")
    int[] checkDims;
    @Option(names = "--attention-outlier", paramLabel = "NUM", order = 7, defaultValue = "5.0",
            description = "the check's attention outlier: this many times the mean image-token attention (default: ${DEFAULT-VALUE})")
    double outlier;
    @Mixin
    ModelFlags modelFlags;

    /** One prefill of {@code file} with every layer captured, handed to {@code use}; 1 when it ran, 0 when the image was skipped. */
    private static int prefill(Lmm model, String prompt, ImageDecoder decoder, Path file, ImageOptions options,
            java.util.function.BiConsumer<Capture, Merged> use) {
        try (NDManager m = model.newSampleManager(); KvCache cache = new KvCache(model.numLayers()); Capture cap = new Capture(m, true, true)) {
            Inputs inputs = model.encode(m, prompt, decoder.decode(file), options);
            Merged merged = model.merge(m, inputs, model.imageFeatures(m, inputs));
            model.prefill(m, merged, cache, cap);
            use.accept(cap, merged);
            return 1;
        } catch (RuntimeException e) {
            System.err.println("skipped " + file + ": " + e.getMessage());
            return 0;
        }
    }

    @Override
    public Integer call() throws IOException {
        modelFlags.device.configureThreads();
        Path modelDir = modelFlags.modelDir();
        String question = modelFlags.prompt;
        ImageOptions imageOptions = modelFlags.imageOptions();
        var device = modelFlags.device.device();
        var dtype = modelFlags.device.dtype(device);
        ModelConfig config = Families.config(modelDir);
        double tau = this.tau != null ? this.tau : VarParams.tauForHiddenSize(VarParams.PAPER_TAU_FRACTION, config.text().hiddenSize());
        List<Path> files;
        try (Stream<Path> s = Files.list(images)) {
            files = s.filter(p -> p.toString().matches("(?i).*\\.(png|jpe?g|bmp|gif)$")).sorted().limit(limit).toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(images + ": no images (png, jpg, bmp, gif)");
        }
        SinkDimensions stats = new SinkDimensions(config.text().numHiddenLayers(), config.text().hiddenSize(), tau);
        ImageDecoder decoder = new ImageDecoder();
        int used = 0;
        try (Lmm model = Families.load(modelDir, device, dtype)) {
            String prompt = question == null ? ModelFlags.defaultPrompt(model) : question;
            for (Path f : files) {
                used += prefill(model, prompt, decoder, f, imageOptions, (cap, merged) -> stats.add(cap, merged.imageStart(), merged.imageEnd(), 4));
            }
            System.out.printf("sink dimensions of %s from %d images (tau %.3f for counts; phi <= sqrt(%d) = %.2f)%n", modelDir, used, tau,
                    config.text().hiddenSize(), Math.sqrt(config.text().hiddenSize()));
            System.out.println("layer  top dims by max |x_d|/RMS over image tokens (max, mean, count > tau)");
            stats.table(top).forEach(System.out::println);
            int[] recommended = stats.recommended(2);
            System.out.println("recommended D_sink: " + Arrays.toString(recommended));
            int[] dims = checkDims != null ? checkDims : recommended;
            if (check && dims.length > 0) {
                // second pass over the same images: does phi > tau on these dims find the attention outliers?
                SinkDimsCheck sinkCheck = new SinkDimsCheck(model.numLayers(), dims, tau, outlier);
                for (Path f : files) {
                    prefill(model, prompt, decoder, f, imageOptions, (cap, merged) -> sinkCheck.add(cap, merged.imageStart(), merged.imageEnd()));
                }
                System.out.println("check of " + Arrays.toString(dims) + " against the image tokens that receive the most attention:");
                sinkCheck.table().forEach(System.out::println);
            }
        }
        return Main.OK;
    }
}
