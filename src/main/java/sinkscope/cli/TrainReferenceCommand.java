package sinkscope.cli;

import java.nio.file.Path;
import sinkscope.model.Torch;
import sinkscope.train.Recipe;
import sinkscope.train.ReferenceModelBuilder;

/** {@code train-reference --out DIR [recipe flags]}: trains the reference model (see {@link Recipe} for the flags' defaults). */
final class TrainReferenceCommand implements Main.Command {
    @Override
    public String summary() {
        return "train the small reference LLaVA on the synthetic benchmark: --out DIR [--text-steps N --text-weight-decay W --freeze-embeddings --text-scene-share S --align-projector-only --finetune-steps N --steps N --images N --seed S --hidden 128 ...]";
    }

    @Override
    public int run(Args a) throws Exception {
        Torch.configure(a.integer("threads", 0));
        Path out = a.path("out");
        Recipe d = Recipe.defaults();
        Recipe r = new Recipe(a.integer("seed", (int) d.seed()), a.integer("images", d.trainImages()), a.integer("eval-images", d.evalImages()),
                a.integer("text-steps", d.textSteps()), a.integer("text-batch", d.textBatch()), a.integer("text-length", d.textLength()),
                a.number("text-lr", d.textLr()), a.number("text-copy-share", d.textCopyShare()),
                a.integer("vision-steps", d.visionSteps()), a.integer("vision-batch", d.visionBatch()), a.number("vision-lr", d.visionLr()),
                a.integer("steps", d.steps()), a.integer("images-per-step", d.imagesPerStep()),
                a.integer("questions-per-image", d.questionsPerImage()), a.number("lr", d.learningRate()), a.integer("warmup", d.warmupSteps()),
                a.number("min-lr-fraction", d.minLrFraction()), a.number("init-std", d.initStd()),
                a.number("pope-suffix-share", d.popeSuffixShare()), a.integer("image-size", d.imageSize()), a.integer("patch-size", d.patchSize()),
                a.integer("vision-hidden", d.visionHidden()), a.integer("vision-layers", d.visionLayers()),
                a.integer("vision-heads", d.visionHeads()), a.integer("vision-intermediate", d.visionIntermediate()),
                a.integer("hidden", d.textHidden()), a.integer("layers", d.textLayers()), a.integer("heads", d.textHeads()),
                a.integer("kv-heads", d.textKvHeads()), a.integer("intermediate", d.textIntermediate()),
                a.integer("max-positions", d.maxPositions()), a.number("text-weight-decay", d.textWeightDecay()),
                a.bool("freeze-embeddings", d.freezeEmbeddings()), a.number("text-scene-share", d.textSceneShare()),
                a.bool("align-projector-only", d.alignProjectorOnly()), a.integer("finetune-steps", d.finetuneSteps()),
                a.number("finetune-lr", d.finetuneLr()), a.integer("finetune-from-layer", d.finetuneFromLayer()),
                a.number("replay-share", d.replayShare()), a.string("vision-from", null));
        int logEvery = a.integer("log-every", 25);
        double budget = a.number("budget-minutes", 0);
        a.requireAllUsed();
        ReferenceModelBuilder.build(out, r, logEvery, budget, line -> System.out.println(line));
        System.out.println("wrote " + out);
        return 0;
    }
}
