package sinkscope.train;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import sinkscope.data.PromptTemplate;
import sinkscope.data.SyntheticBenchmark;
import sinkscope.model.llava.Llava;
import sinkscope.model.llava.LlavaConfig;
import sinkscope.model.llava.LlavaProcessor;
import sinkscope.sink.VarParams;

/**
 * {@code train-reference} end to end: tokenizer and configs, training ({@link ReferenceTrainer}), float16 weights
 * ({@link ReferenceCheckpoint}), the held-out evaluation of the saved checkpoint ({@link HeldOutEvaluation}) and
 * the model card {@code README.md} ({@link ModelCard}).
 */
public final class ReferenceModelBuilder {
    /** Held-out images the model card's sink measurement runs on. */
    static final int SINK_PROBE_IMAGES = 32;

    /** What was built. */
    public record Summary(ReferenceTrainer.Run run, HeldOutEvaluation.Result eval, SinkProbe.Measurement sinks, SinkProbe.Result bosDims) {}

    private ReferenceModelBuilder() {}

    public static Summary build(Path out, Recipe recipe, int logEvery, double budgetMinutes, Consumer<String> log) throws IOException {
        if (Files.exists(out)) {
            boolean empty;
            try (var entries = Files.list(out)) {
                empty = entries.findAny().isEmpty();
            } catch (java.nio.file.NotDirectoryException e) {
                empty = false;
            }
            if (!empty) {
                throw new IllegalArgumentException(out + " exists and is not an empty directory; choose a new --out");
            }
        }
        WordLevelTokenizer tok = recipe.tokenizer();
        ReferenceCheckpoint.writeConfigs(out, recipe, tok);
        LlavaConfig config = LlavaConfig.load(out.resolve("config.json"));
        log.accept(String.format(Locale.ROOT, "model: %s; vocabulary %d words; %d image tokens", recipe.commandLine(out.toString()),
                tok.vocabSize(), config.numImageTokens()));
        ReferenceTrainer.Run run;
        SyntheticBenchmark.Dataset dataset;
        try (LlavaProcessor processor = LlavaProcessor.load(out, config)) {
            ReferenceTrainer trainer = new ReferenceTrainer(recipe, config, processor.tokenizer(), processor.images());
            dataset = trainer.dataset();
            run = trainer.train(logEvery, budgetMinutes, log);
            try (Llava trained = run.model()) {
                ReferenceCheckpoint.writeWeights(out, trained);
            }
        }
        HeldOutEvaluation.Result eval;
        SinkProbe.Measurement sinks;
        SinkProbe.Result bosDims = null;
        try (Llava saved = Llava.load(out, Device.cpu(), DataType.FLOAT32); LlavaProcessor processor = LlavaProcessor.load(out, config)) {
            eval = HeldOutEvaluation.run(saved, processor, dataset, recipe.seed(), recipe.evalImages());
            List<BufferedImage> images = dataset.scenes().subList(dataset.trainImages(), dataset.scenes().size()).stream()
                    .limit(SINK_PROBE_IMAGES).map(scene -> scene.render(recipe.seed())).toList();
            String prompt = PromptTemplate.of(LlavaConfig.LLAVA_HF).render("Is there a red circle in the image?");
            double tau = VarParams.tauForHiddenSize(VarParams.PAPER_TAU_FRACTION, config.text().hiddenSize());
            sinks = SinkProbe.measure(saved, processor, images, prompt, tau);
            log.accept("sink probe on the recommended D_sink " + java.util.Arrays.toString(sinks.recommended()) + ":\n" + SinkProbe.markdown(sinks.probe()));
            if (run.sinkDims() != null) {
                bosDims = SinkProbe.run(saved, processor, images, prompt, run.sinkDims(), tau);
                log.accept("sink probe on the D_sink read off BOS " + java.util.Arrays.toString(run.sinkDims()) + ":\n" + SinkProbe.markdown(bosDims));
            }
        }
        log.accept(HeldOutEvaluation.markdown(eval));
        Files.writeString(out.resolve("README.md"), ModelCard.render(recipe, config, run, eval, sinks, bosDims), StandardCharsets.UTF_8);
        return new Summary(run, eval, sinks, bosDims);
    }
}
