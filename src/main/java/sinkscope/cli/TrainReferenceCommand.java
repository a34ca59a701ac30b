package sinkscope.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sinkscope.model.Torch;
import sinkscope.train.Recipe;
import sinkscope.train.ReferenceModelBuilder;

/** {@code train-reference --out DIR [recipe flags]}: trains the reference model; each recipe flag defaults to {@link Recipe#defaults()}. */
@Command(name = "train-reference", mixinStandardHelpOptions = true, sortOptions = false, defaultValueProvider = TrainReferenceCommand.Defaults.class,
        description = "train the small reference LLaVA on the synthetic benchmark (the bundled model's recipe by default)")
final class TrainReferenceCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", required = true, order = 1, description = "model folder to write")
    Path out;
    @Option(names = "--seed", paramLabel = "INT", order = 2, description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--images", paramLabel = "INT", order = 3, description = "training images (default: ${DEFAULT-VALUE})")
    int images;
    @Option(names = "--eval-images", paramLabel = "INT", order = 4, description = "held-out evaluation images (default: ${DEFAULT-VALUE})")
    int evalImages;
    @Option(names = "--text-steps", paramLabel = "INT", order = 5, description = "stage 0 (text only) steps (default: ${DEFAULT-VALUE})")
    int textSteps;
    @Option(names = "--text-batch", paramLabel = "INT", order = 6, description = "stage 0 sequences per step (default: ${DEFAULT-VALUE})")
    int textBatch;
    @Option(names = "--text-length", paramLabel = "INT", order = 7, description = "stage 0 tokens per sequence (default: ${DEFAULT-VALUE})")
    int textLength;
    @Option(names = "--text-lr", paramLabel = "NUM", order = 8, description = "stage 0 learning rate (default: ${DEFAULT-VALUE})")
    double textLr;
    @Option(names = "--text-copy-share", paramLabel = "NUM", order = 9, description = "stage 0 share of copy sequences (default: ${DEFAULT-VALUE})")
    double textCopyShare;
    @Option(names = "--vision-steps", paramLabel = "INT", order = 10, description = "stage 1 (vision tower) steps (default: ${DEFAULT-VALUE})")
    int visionSteps;
    @Option(names = "--vision-batch", paramLabel = "INT", order = 11, description = "stage 1 images per step (default: ${DEFAULT-VALUE})")
    int visionBatch;
    @Option(names = "--vision-lr", paramLabel = "NUM", order = 12, description = "stage 1 learning rate (default: ${DEFAULT-VALUE})")
    double visionLr;
    @Option(names = "--steps", paramLabel = "INT", order = 13, description = "stage 2 (whole model) steps (default: ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--images-per-step", paramLabel = "INT", order = 14, description = "stage 2 images per step (default: ${DEFAULT-VALUE})")
    int imagesPerStep;
    @Option(names = "--questions-per-image", paramLabel = "INT", order = 15, description = "stage 2 questions per image (default: ${DEFAULT-VALUE})")
    int questionsPerImage;
    @Option(names = "--lr", paramLabel = "NUM", order = 16, description = "stage 2 peak learning rate (default: ${DEFAULT-VALUE})")
    double lr;
    @Option(names = "--warmup", paramLabel = "INT", order = 17, description = "learning-rate warm-up steps (default: ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--min-lr-fraction", paramLabel = "NUM", order = 18, description = "cosine schedule floor, as a fraction of the peak (default: ${DEFAULT-VALUE})")
    double minLrFraction;
    @Option(names = "--init-std", paramLabel = "NUM", order = 19, description = "weight initialisation standard deviation (default: ${DEFAULT-VALUE})")
    double initStd;
    @Option(names = "--pope-suffix-share", paramLabel = "NUM", order = 20, description = "share of questions with the POPE answer suffix (default: ${DEFAULT-VALUE})")
    double popeSuffixShare;
    @Option(names = "--image-size", paramLabel = "INT", order = 21, description = "image side in pixels (default: ${DEFAULT-VALUE})")
    int imageSize;
    @Option(names = "--patch-size", paramLabel = "INT", order = 22, description = "vision patch side in pixels (default: ${DEFAULT-VALUE})")
    int patchSize;
    @Option(names = "--vision-hidden", paramLabel = "INT", order = 23, description = "vision tower hidden size (default: ${DEFAULT-VALUE})")
    int visionHidden;
    @Option(names = "--vision-layers", paramLabel = "INT", order = 24, description = "vision tower layers (default: ${DEFAULT-VALUE})")
    int visionLayers;
    @Option(names = "--vision-heads", paramLabel = "INT", order = 25, description = "vision tower heads (default: ${DEFAULT-VALUE})")
    int visionHeads;
    @Option(names = "--vision-intermediate", paramLabel = "INT", order = 26, description = "vision tower MLP size (default: ${DEFAULT-VALUE})")
    int visionIntermediate;
    @Option(names = "--hidden", paramLabel = "INT", order = 27, description = "language model hidden size (default: ${DEFAULT-VALUE})")
    int hidden;
    @Option(names = "--layers", paramLabel = "INT", order = 28, description = "language model layers (default: ${DEFAULT-VALUE})")
    int layers;
    @Option(names = "--heads", paramLabel = "INT", order = 29, description = "language model heads (default: ${DEFAULT-VALUE})")
    int heads;
    @Option(names = "--kv-heads", paramLabel = "INT", order = 30, description = "language model key/value heads (default: ${DEFAULT-VALUE})")
    int kvHeads;
    @Option(names = "--intermediate", paramLabel = "INT", order = 31, description = "language model MLP size (default: ${DEFAULT-VALUE})")
    int intermediate;
    @Option(names = "--max-positions", paramLabel = "INT", order = 32, description = "longest sequence (default: ${DEFAULT-VALUE})")
    int maxPositions;
    @Option(names = "--text-weight-decay", paramLabel = "NUM", order = 33, description = "stage 0 decoupled weight decay (AdamW) on the weight matrices (default: ${DEFAULT-VALUE})")
    double textWeightDecay;
    @Option(names = "--freeze-embeddings", paramLabel = "BOOL", order = 34, arity = "0..1",
            description = "stage 0 keeps the token embeddings at initialisation, so a layer must write BOS's massive activation (default: ${DEFAULT-VALUE})")
    boolean freezeEmbeddings;
    @Option(names = "--text-scene-share", paramLabel = "NUM", order = 35, description = "stage 0 share of scene texts (a word per patch, then questions and answers) (default: ${DEFAULT-VALUE})")
    double textSceneShare;
    @Option(names = "--align-projector-only", paramLabel = "BOOL", order = 36, arity = "0..1",
            description = "stage 2 trains the projector only, decoder and vision tower frozen, as LLaVA's alignment (default: ${DEFAULT-VALUE})")
    boolean alignProjectorOnly;
    @Option(names = "--finetune-steps", paramLabel = "INT", order = 37, description = "stage 3 steps (upper layers, norm and head; only when held-out POPE < 0.9) (default: ${DEFAULT-VALUE})")
    int finetuneSteps;
    @Option(names = "--finetune-lr", paramLabel = "NUM", order = 38, description = "stage 3 learning rate (default: ${DEFAULT-VALUE})")
    double finetuneLr;
    @Option(names = "--finetune-from-layer", paramLabel = "INT", order = 39, description = "stage 3 trains the layers from this one up (default: ${DEFAULT-VALUE})")
    int finetuneFromLayer;
    @Option(names = "--replay-share", paramLabel = "NUM", order = 40, description = "stage 3 share of batches replaying the language data (default: ${DEFAULT-VALUE})")
    double replayShare;
    @Option(names = "--vision-from", paramLabel = "DIR", order = 41, description = "take stage 1's vision tower from this trained checkpoint (same shape) instead of training it")
    String visionFrom;
    @Option(names = "--scene-patch-words", paramLabel = "INT", order = 42,
            description = "stage 0 scene texts: words per object patch, 1 = its class word (red_circle), 2 = colour and shape words (default: ${DEFAULT-VALUE})")
    int scenePatchWords;
    @Option(names = "--freeze-bos-embedding", paramLabel = "BOOL", order = 43, arity = "0..1",
            description = "stage 0 keeps BOS's embedding row at initialisation and trains the other rows (default: ${DEFAULT-VALUE})")
    boolean freezeBosEmbedding;
    @Option(names = "--text-from", paramLabel = "DIR", order = 44,
            description = "start stage 0 from this checkpoint's language model (same shape and vocabulary), a second phase with its own schedule")
    String textFrom;
    @Option(names = "--patch-word-weight", paramLabel = "NUM", order = 45,
            description = "stage 2 pulls each image token to the embedding of its patch's word in the scene text (background or class word) "
                    + "with this weight, 0 = off; needs --text-scene-share > 0 (default: ${DEFAULT-VALUE})")
    double patchWordWeight;
    @Option(names = "--patch-word-anneal", paramLabel = "BOOL", order = 46, arity = "0..1",
            description = "the patch-word weight falls linearly to 0 over stage 2 (default: ${DEFAULT-VALUE})")
    boolean patchWordAnneal;
    @Option(names = "--text-bos-share", paramLabel = "NUM", order = 47,
            description = "stage 0 packs documents: a word is followed by <s> (the next document) with this probability, so <s> is not only at "
                    + "position 0 (default: ${DEFAULT-VALUE})")
    double textBosShare;
    @Option(names = "--vision-objective", paramLabel = "NAME", order = 48,
            description = "stage 1's target: patch = the classes covering each patch token, cls = the classes in the image from the CLS token "
                    + "alone, patch tokens unsupervised (default: ${DEFAULT-VALUE})")
    String visionObjective;
    @Option(names = "--log-every", paramLabel = "INT", order = 50, defaultValue = "25", description = "print the loss every this many steps (default: ${DEFAULT-VALUE})")
    int logEvery;
    @Option(names = "--budget-minutes", paramLabel = "NUM", order = 51, defaultValue = "0", description = "stop training after this long, 0 = no limit (default: ${DEFAULT-VALUE})")
    double budget;
    @Option(names = "--threads", paramLabel = "INT", order = 52, defaultValue = "0", description = "libtorch intra-op threads, 0 = all cores (default: ${DEFAULT-VALUE})")
    int threads;

    @Override
    public Integer call() throws Exception {
        Torch.configure(threads);
        Recipe r = new Recipe(seed, images, evalImages, textSteps, textBatch, textLength, textLr, textCopyShare, visionSteps, visionBatch, visionLr, steps, imagesPerStep, questionsPerImage, lr, warmup, minLrFraction, initStd, popeSuffixShare, imageSize, patchSize, visionHidden, visionLayers, visionHeads, visionIntermediate, hidden, layers, heads, kvHeads, intermediate, maxPositions,
                textWeightDecay, freezeEmbeddings, textSceneShare, alignProjectorOnly, finetuneSteps, finetuneLr, finetuneFromLayer, replayShare, visionFrom, scenePatchWords, freezeBosEmbedding, textFrom,
                patchWordWeight, patchWordAnneal, textBosShare, visionObjective);
        ReferenceModelBuilder.build(out, r, logEvery, budget, line -> System.out.println(line));
        System.out.println("wrote " + out);
        return Main.OK;
    }

    /** The recipe flags' defaults: the bundled model's recipe. */
    static final class Defaults implements CommandLine.IDefaultValueProvider {
        private static final Map<String, Object> DEFAULTS = recipe();

        private static Map<String, Object> recipe() {
            Recipe d = Recipe.defaults();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("--seed", d.seed());
            m.put("--images", d.trainImages());
            m.put("--eval-images", d.evalImages());
            m.put("--text-steps", d.textSteps());
            m.put("--text-batch", d.textBatch());
            m.put("--text-length", d.textLength());
            m.put("--text-lr", d.textLr());
            m.put("--text-copy-share", d.textCopyShare());
            m.put("--vision-steps", d.visionSteps());
            m.put("--vision-batch", d.visionBatch());
            m.put("--vision-lr", d.visionLr());
            m.put("--steps", d.steps());
            m.put("--images-per-step", d.imagesPerStep());
            m.put("--questions-per-image", d.questionsPerImage());
            m.put("--lr", d.learningRate());
            m.put("--warmup", d.warmupSteps());
            m.put("--min-lr-fraction", d.minLrFraction());
            m.put("--init-std", d.initStd());
            m.put("--pope-suffix-share", d.popeSuffixShare());
            m.put("--image-size", d.imageSize());
            m.put("--patch-size", d.patchSize());
            m.put("--vision-hidden", d.visionHidden());
            m.put("--vision-layers", d.visionLayers());
            m.put("--vision-heads", d.visionHeads());
            m.put("--vision-intermediate", d.visionIntermediate());
            m.put("--hidden", d.textHidden());
            m.put("--layers", d.textLayers());
            m.put("--heads", d.textHeads());
            m.put("--kv-heads", d.textKvHeads());
            m.put("--intermediate", d.textIntermediate());
            m.put("--max-positions", d.maxPositions());
            m.put("--text-weight-decay", d.textWeightDecay());
            m.put("--freeze-embeddings", d.freezeEmbeddings());
            m.put("--text-scene-share", d.textSceneShare());
            m.put("--align-projector-only", d.alignProjectorOnly());
            m.put("--finetune-steps", d.finetuneSteps());
            m.put("--finetune-lr", d.finetuneLr());
            m.put("--finetune-from-layer", d.finetuneFromLayer());
            m.put("--replay-share", d.replayShare());
            m.put("--scene-patch-words", d.scenePatchWords());
            m.put("--freeze-bos-embedding", d.freezeBosEmbedding());
            m.put("--patch-word-weight", d.patchWordWeight());
            m.put("--patch-word-anneal", d.patchWordAnneal());
            m.put("--text-bos-share", d.textBosShare());
            m.put("--vision-objective", d.visionObjective());
            return m;
        }

        @Override
        public String defaultValue(CommandLine.Model.ArgSpec arg) {
            Object v = arg instanceof CommandLine.Model.OptionSpec o ? DEFAULTS.get(o.longestName()) : null;
            return v == null ? null : String.valueOf(v);
        }
    }
}
