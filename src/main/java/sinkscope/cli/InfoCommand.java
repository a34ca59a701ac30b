package sinkscope.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import java.nio.file.Files;
import java.nio.file.Path;
import sinkscope.model.ModelConfig;

/** {@code info --model DIR|config.json}: the architecture, parameter count and weight memory, from the config alone. */
@Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = "architecture, parameters and weight memory of a checkpoint (reads config.json only)")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR|FILE", required = true, order = 1, description = "model folder or its config.json")
    Path model;
    @Option(names = "--vision-tower", paramLabel = "DIR", order = 2, description = "CLIP folder of an original-layout LLaVA checkpoint (default: its mm_vision_tower)")
    Path visionTower;

    @Override
    public Integer call() {
        ModelFlags.visionTower(visionTower);
        Path file = Files.isDirectory(model) ? model.resolve("config.json") : model;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such config file");
        }
        ModelConfig c = sinkscope.model.auto.Families.config(file);
        System.out.print(describe(c));
        return Main.OK;
    }

    static String describe(ModelConfig c) {
        var t = c.text();
        long params = c.parameterCount();
        StringBuilder s = new StringBuilder();
        s.append(String.format("model: %s%n", c.file()));
        s.append(String.format("model type: %s%n", c.modelType()));
        s.append(String.format("language model: %s%s, %d layers, %d heads, %d kv heads (head dim %d), hidden %d, intermediate %d, vocab %d%n",
                c.decoderType(), t.nameOrPath().isEmpty() ? "" : " (" + t.nameOrPath() + ")", t.numHiddenLayers(), t.numAttentionHeads(), t.numKeyValueHeads(),
                t.headDim(), t.hiddenSize(), t.intermediateSize(), t.vocabSize()));
        for (String line : c.visionSummary()) {
            s.append(line).append('\n');
        }
        s.append(String.format("parameters: %,d (%.2f B): language %,d, vision %,d, projector %,d%n", params, params / 1e9, t.parameterCount(),
                c.visionParameterCount(), c.projectorParameterCount()));
        long kvPerToken = 2L * t.numHiddenLayers() * t.numKeyValueHeads() * t.headDim();
        s.append(String.format("weights memory: fp32 %s, fp16 %s, bf16 %s (stored as %s)%n", gib(params * 4), gib(params * 2), gib(params * 2),
                c.torchDtype()));
        s.append(String.format("kv cache per token: fp32 %s, fp16 %s%n", kib(kvPerToken * 4), kib(kvPerToken * 2)));
        s.append(String.format("sink score bound: phi <= sqrt(%d) = %.2f (tau 20 %s)%n", t.hiddenSize(), Math.sqrt(t.hiddenSize()),
                Math.sqrt(t.hiddenSize()) > 20 ? "reachable" : "unreachable: use a size-relative tau"));
        return s.toString();
    }

    private static String gib(long bytes) {
        return String.format("%.2f GiB", bytes / (double) (1L << 30));
    }

    private static String kib(long bytes) {
        return String.format("%.1f KiB", bytes / 1024.0);
    }
}
