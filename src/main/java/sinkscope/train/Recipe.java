package sinkscope.train;

import com.google.gson.JsonObject;
import java.util.Locale;
import sinkscope.data.SyntheticBenchmark;

/**
 * Everything that determines a reference-model training run: data (synthetic benchmark seed, train and held-out
 * image counts), optimisation (Adam or AdamW, linear warmup then cosine decay to {@code minLrFraction} of the peak, steps,
 * images per step and questions per image), and the LLaVA-1.5 shape (CLIP ViT, mlp2x_gelu projector, LLaMA).
 *
 * @param popeSuffixShare share of training prompts that carry LLaVA's POPE suffix (the rest are bare questions)
 * @param visionSteps steps of stage 1, the vision tower's pretraining ({@link VisionPretraining}); 0 skips it
 * @param visionBatch images per stage-1 step
 * @param visionLr stage 1's peak learning rate (same warmup and cosine as stage 2)
 * @param textSteps steps of stage 0, the decoder's language pretraining ({@link TextPretraining}); 0 skips it
 * @param textBatch sequences per stage-0 step
 * @param textLength tokens per stage-0 sequence, {@code <s>} included
 * @param textLr stage 0's peak learning rate (same warmup and cosine as stage 2, over {@code textSteps})
 * @param textCopyShare stage 0's probability that a non-trigger word is followed by a trigger (a back-copy to come);
 *     the rest are bigram steps that need no attention to the past
 * @param textWeightDecay stage 0's decoupled weight decay (AdamW, on the weight matrices; norms are not decayed); 0 is
 *     plain Adam
 * @param freezeEmbeddings stage 0 leaves the token embeddings at their initialisation, so that a layer, not BOS's
 *     embedding row, must write any massive activation (image tokens never pass through the embedding table)
 * @param textSceneShare share of each stage-0 batch that is the text version of a training scene (a word per patch,
 *     {@link WordLevelTokenizer#BACKGROUND} or the object's class, then the multimodal stage's questions and answers);
 *     above 0 the vocabulary gains the scene words ({@link WordLevelTokenizer#withSceneWords})
 * @param alignProjectorOnly stage 2 trains the projector only, decoder and vision tower frozen, weight decay 0 (LLaVA's
 *     feature-alignment stage); false trains projector and decoder (LLaVA-1.5's instruction tuning)
 * @param finetuneSteps steps of stage 3, run only when stage 2 ends below {@link #FINETUNE_BELOW} held-out accuracy: the
 *     decoder layers from {@code finetuneFromLayer} on, the final norm and {@code lm_head} at {@code finetuneLr}, embeddings,
 *     lower layers, projector and tower frozen; a {@code replayShare} of the steps replay stage 0's language data
 * @param visionFrom a checkpoint directory whose trained vision tower replaces stage 1 (same tower shape), or null to
 *     run stage 1
 * @param scenePatchWords words per object patch in a scene text: 1 is the class word ({@code red_circle}), 2 the colour
 *     word and the shape word of the question's own vocabulary ({@code red circle}); a background patch is one
 *     {@link WordLevelTokenizer#BACKGROUND} either way
 * @param freezeBosEmbedding stage 0 keeps BOS's embedding row at its initialisation and trains the other rows (so a
 *     layer must write BOS's massive activation while the words' embeddings learn); {@code freezeEmbeddings} freezes all
 * @param textFrom a checkpoint directory whose language model (token embeddings, layers, final norm, {@code lm_head}; same
 *     shape and vocabulary) replaces the initialisation before stage 0, so that stage 0 continues it with this recipe's own
 *     rate, decay, scene share and steps (a second phase of stage 0), or null to start from the initialisation
 * @param patchWordWeight weight of stage 2's patch-word alignment loss ({@link PatchWordTarget}): the image token
 *     at each patch is pulled towards the token embedding of that patch's word in the scene text ({@code background} or the
 *     covering object's class word), {@code ||x_p - e_p||^2} summed over the tokens over {@code ||e_p||^2} summed likewise;
 *     0 is off; above 0 it needs the scene words ({@code textSceneShare > 0}) and one word per patch
 * @param patchWordAnneal the alignment weight falls linearly from {@code patchWordWeight} to 0 over stage 2, leaving the
 *     answer loss alone at the end
 * @param textBosShare stage 0's probability that a non-trigger word of the language is followed by {@code <s>}, the start of
 *     the next packed document ({@link TextPretraining.Language}); 0 keeps {@code <s>} at position 0 only
 * @param visionObjective stage 1's target ({@link VisionPretraining}): {@code patch}, the classes covering each patch token
 *     (every patch supervised), or {@code cls}, the classes present in the image read off the CLS token alone (the patch
 *     tokens unsupervised, as in CLIP's and DINO's global objectives, under which ViTs grow high-norm background tokens)
 */
public record Recipe(long seed, int trainImages, int evalImages, int textSteps, int textBatch, int textLength, double textLr, double textCopyShare,
                     int visionSteps, int visionBatch, double visionLr,
                     int steps, int imagesPerStep, int questionsPerImage, double learningRate, int warmupSteps, double minLrFraction, double initStd, double popeSuffixShare,
                     int imageSize, int patchSize, int visionHidden, int visionLayers, int visionHeads, int visionIntermediate,
                     int textHidden, int textLayers, int textHeads, int textKvHeads, int textIntermediate, int maxPositions,
                     double textWeightDecay, boolean freezeEmbeddings, double textSceneShare, boolean alignProjectorOnly,
                     int finetuneSteps, double finetuneLr, int finetuneFromLayer, double replayShare, String visionFrom,
                     int scenePatchWords, boolean freezeBosEmbedding, String textFrom, double patchWordWeight, boolean patchWordAnneal,
                     double textBosShare, String visionObjective) {

    /** Stage 1's objectives ({@link #visionObjective}). */
    public static final java.util.List<String> VISION_OBJECTIVES = java.util.List.of("patch", "cls");

    /** Stage 3 runs only when stage 2's held-out accuracy is below this. */
    public static final double FINETUNE_BELOW = 0.9;

    /** The recipe of the bundled model. */
    public static Recipe defaults() {
        return new Recipe(7, 12000, 24, 0, 32, 64, 1e-3, 0.1, 8000, 32, 3e-3, 4000, 16, 6, 5e-4, 50, 0.05, 0.02, 0.5,
                112, 16, 128, 3, 4, 512, 128, 4, 4, 2, 352, 512, 0, false, 0, false, 0, 2e-4, 2, 0.25, null, 1, false, null, 0, false, 0, "patch");
    }

    /** A few-second configuration for tests (no text stage; {@link #withTextStage} adds one). */
    public static Recipe tiny() {
        return new Recipe(3, 16, 4, 0, 4, 16, 3e-3, 0.1, 4, 4, 3e-3, 12, 4, 4, 3e-3, 2, 0.5, 0.02, 0.5,
                56, 14, 32, 2, 2, 64, 32, 2, 4, 2, 64, 256, 0, false, 0, false, 0, 2e-4, 1, 0.25, null, 1, false, null, 0, false, 0, "patch");
    }

    /** This recipe with a stage 0 of {@code steps} steps of {@code batch} sequences of {@code length} tokens. */
    public Recipe withTextStage(int steps, int batch, int length, double lr, double copyShare) {
        return toBuilder().textSteps(steps).textBatch(batch).textLength(length).textLr(lr).textCopyShare(copyShare).build();
    }

    /** This recipe with stage 0's weight decay, frozen embeddings and scene-text share as given. */
    public Recipe withLanguageStage(double weightDecay, boolean freeze, double sceneShare) {
        return toBuilder().textWeightDecay(weightDecay).freezeEmbeddings(freeze).textSceneShare(sceneShare).build();
    }

    /** This recipe with stage 2 projector-only (or not) and stage 3 as given. */
    public Recipe withAlignment(boolean projectorOnly, int ftSteps, double ftLr, int ftFromLayer, double replay) {
        return toBuilder().alignProjectorOnly(projectorOnly).finetuneSteps(ftSteps).finetuneLr(ftLr).finetuneFromLayer(ftFromLayer).replayShare(replay).build();
    }

    /** This recipe with stage 0 keeping BOS's embedding row (only) at its initialisation, or not. */
    public Recipe withFrozenBosEmbedding(boolean freeze) {
        return toBuilder().freezeBosEmbedding(freeze).build();
    }

    /** This recipe with stage 0 starting from the language model of checkpoint {@code dir} (null: from initialisation). */
    public Recipe withTextFrom(String dir) {
        return toBuilder().textFrom(dir).build();
    }

    /** This recipe with {@code words} words per object patch in stage 0's scene texts. */
    public Recipe withScenePatchWords(int words) {
        return toBuilder().scenePatchWords(words).build();
    }

    /** This recipe with stage 2's patch-word alignment loss at {@code weight} (0: off), annealed to 0 over stage 2 or not. */
    public Recipe withPatchWordTarget(double weight, boolean anneal) {
        return toBuilder().patchWordWeight(weight).patchWordAnneal(anneal).build();
    }

    /** This recipe with stage 0's language packing documents: {@code <s>} after a non-trigger word with probability {@code share}. */
    public Recipe withPackedDocuments(double share) {
        return toBuilder().textBosShare(share).build();
    }

    /** This recipe with stage 1's objective {@code objective} ({@link #VISION_OBJECTIVES}). */
    public Recipe withVisionObjective(String objective) {
        return toBuilder().visionObjective(objective).build();
    }

    /** A mutable copy of this recipe's fields, to change a few and {@link Builder#build} a new recipe. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The recipe's fields, copied from a recipe, with a setter (named as the record's component) for each field a variant
     * method changes; {@link #build} runs the record's checks.
     */
    public static final class Builder {
        private long seed;
        private int trainImages, evalImages, textSteps, textBatch, textLength;
        private double textLr, textCopyShare;
        private int visionSteps, visionBatch;
        private double visionLr;
        private int steps, imagesPerStep, questionsPerImage;
        private double learningRate;
        private int warmupSteps;
        private double minLrFraction, initStd, popeSuffixShare;
        private int imageSize, patchSize, visionHidden, visionLayers, visionHeads, visionIntermediate, textHidden, textLayers,
                textHeads, textKvHeads, textIntermediate, maxPositions;
        private double textWeightDecay;
        private boolean freezeEmbeddings;
        private double textSceneShare;
        private boolean alignProjectorOnly;
        private int finetuneSteps;
        private double finetuneLr;
        private int finetuneFromLayer;
        private double replayShare;
        private String visionFrom;
        private int scenePatchWords;
        private boolean freezeBosEmbedding;
        private String textFrom;
        private double patchWordWeight;
        private boolean patchWordAnneal;
        private double textBosShare;
        private String visionObjective;

        private Builder(Recipe r) {
            seed = r.seed; trainImages = r.trainImages; evalImages = r.evalImages; textSteps = r.textSteps;
            textBatch = r.textBatch; textLength = r.textLength; textLr = r.textLr; textCopyShare = r.textCopyShare;
            visionSteps = r.visionSteps; visionBatch = r.visionBatch; visionLr = r.visionLr; steps = r.steps;
            imagesPerStep = r.imagesPerStep; questionsPerImage = r.questionsPerImage; learningRate = r.learningRate;
            warmupSteps = r.warmupSteps; minLrFraction = r.minLrFraction; initStd = r.initStd;
            popeSuffixShare = r.popeSuffixShare; imageSize = r.imageSize; patchSize = r.patchSize; visionHidden = r.visionHidden;
            visionLayers = r.visionLayers; visionHeads = r.visionHeads; visionIntermediate = r.visionIntermediate;
            textHidden = r.textHidden; textLayers = r.textLayers; textHeads = r.textHeads; textKvHeads = r.textKvHeads;
            textIntermediate = r.textIntermediate; maxPositions = r.maxPositions; textWeightDecay = r.textWeightDecay;
            freezeEmbeddings = r.freezeEmbeddings; textSceneShare = r.textSceneShare; alignProjectorOnly = r.alignProjectorOnly;
            finetuneSteps = r.finetuneSteps; finetuneLr = r.finetuneLr; finetuneFromLayer = r.finetuneFromLayer;
            replayShare = r.replayShare; visionFrom = r.visionFrom; scenePatchWords = r.scenePatchWords;
            freezeBosEmbedding = r.freezeBosEmbedding; textFrom = r.textFrom; patchWordWeight = r.patchWordWeight;
            patchWordAnneal = r.patchWordAnneal; textBosShare = r.textBosShare;
            visionObjective = r.visionObjective;
        }

        public Builder textSteps(int v) { textSteps = v; return this; }
        public Builder textBatch(int v) { textBatch = v; return this; }
        public Builder textLength(int v) { textLength = v; return this; }
        public Builder textLr(double v) { textLr = v; return this; }
        public Builder textCopyShare(double v) { textCopyShare = v; return this; }
        public Builder textWeightDecay(double v) { textWeightDecay = v; return this; }
        public Builder freezeEmbeddings(boolean v) { freezeEmbeddings = v; return this; }
        public Builder textSceneShare(double v) { textSceneShare = v; return this; }
        public Builder alignProjectorOnly(boolean v) { alignProjectorOnly = v; return this; }
        public Builder finetuneSteps(int v) { finetuneSteps = v; return this; }
        public Builder finetuneLr(double v) { finetuneLr = v; return this; }
        public Builder finetuneFromLayer(int v) { finetuneFromLayer = v; return this; }
        public Builder replayShare(double v) { replayShare = v; return this; }
        public Builder scenePatchWords(int v) { scenePatchWords = v; return this; }
        public Builder freezeBosEmbedding(boolean v) { freezeBosEmbedding = v; return this; }
        public Builder textFrom(String v) { textFrom = v; return this; }
        public Builder patchWordWeight(double v) { patchWordWeight = v; return this; }
        public Builder patchWordAnneal(boolean v) { patchWordAnneal = v; return this; }
        public Builder textBosShare(double v) { textBosShare = v; return this; }
        public Builder visionObjective(String v) { visionObjective = v; return this; }

        public Recipe build() {
            return new Recipe(seed, trainImages, evalImages, textSteps, textBatch, textLength, textLr, textCopyShare,
                    visionSteps, visionBatch, visionLr, steps, imagesPerStep, questionsPerImage, learningRate, warmupSteps,
                    minLrFraction, initStd, popeSuffixShare, imageSize, patchSize, visionHidden, visionLayers, visionHeads,
                    visionIntermediate, textHidden, textLayers, textHeads, textKvHeads, textIntermediate, maxPositions,
                    textWeightDecay, freezeEmbeddings, textSceneShare, alignProjectorOnly, finetuneSteps, finetuneLr,
                    finetuneFromLayer, replayShare, visionFrom, scenePatchWords, freezeBosEmbedding, textFrom, patchWordWeight,
                    patchWordAnneal, textBosShare, visionObjective);
        }
    }

    /** Stage 2's patch-word alignment weight at {@code step} of {@code horizon}: {@code patchWordWeight}, or falling linearly to 0 when annealed. */
    public double patchWordWeight(int step, int horizon) {
        return patchWordAnneal ? patchWordWeight * Math.max(0, 1 - (double) step / horizon) : patchWordWeight;
    }

    /** The run's vocabulary: the synthetic benchmark's words, plus the scene words when stage 0 reads scene texts. */
    public WordLevelTokenizer tokenizer() {
        WordLevelTokenizer t = WordLevelTokenizer.synthetic();
        return textSceneShare > 0 ? t.withSceneWords() : t;
    }

    public Recipe {
        positive("text-batch", textBatch);
        if (textSteps < 0 || !(textLr > 0) || !(textCopyShare >= 0 && textCopyShare <= 1)) {
            throw new IllegalArgumentException("--text-steps must be >= 0, --text-lr positive and --text-copy-share in [0, 1], got "
                    + textSteps + ", " + textLr + ", " + textCopyShare);
        }
        if (textLength < 3 || textLength > maxPositions) {
            throw new IllegalArgumentException("--text-length must be in [3, --max-positions " + maxPositions + "], got " + textLength);
        }
        positive("steps", steps);
        if (!(textWeightDecay >= 0) || !(textSceneShare >= 0 && textSceneShare <= 1) || finetuneSteps < 0 || !(finetuneLr > 0)
                || !(replayShare >= 0 && replayShare < 1) || finetuneFromLayer < 0 || finetuneFromLayer >= textLayers) {
            throw new IllegalArgumentException("--text-weight-decay must be >= 0, --text-scene-share in [0, 1], --finetune-steps >= 0, "
                    + "--finetune-lr positive, --replay-share in [0, 1), --finetune-from-layer in [0, --layers " + textLayers + "), got "
                    + textWeightDecay + ", " + textSceneShare + ", " + finetuneSteps + ", " + finetuneLr + ", " + replayShare + ", " + finetuneFromLayer);
        }
        if (scenePatchWords != 1 && scenePatchWords != 2) {
            throw new IllegalArgumentException("--scene-patch-words must be 1 (class word) or 2 (colour and shape words), got " + scenePatchWords);
        }
        if (!(textBosShare >= 0 && textBosShare < 1)) {
            throw new IllegalArgumentException("--text-bos-share must be in [0, 1), got " + textBosShare);
        }
        if (!VISION_OBJECTIVES.contains(visionObjective)) {
            throw new IllegalArgumentException("--vision-objective must be one of " + VISION_OBJECTIVES + ", got " + visionObjective);
        }
        if (!(patchWordWeight >= 0)) {
            throw new IllegalArgumentException("--patch-word-weight must be >= 0, got " + patchWordWeight);
        }
        if (patchWordWeight > 0 && (textSceneShare <= 0 || scenePatchWords != 1)) {
            throw new IllegalArgumentException("--patch-word-weight " + patchWordWeight + " pulls each image token to its patch's word: it needs the "
                    + "scene words (--text-scene-share > 0, got " + textSceneShare + ") and one word per patch (--scene-patch-words 1, got " + scenePatchWords + ")");
        }
        positive("vision-batch", visionBatch);
        if (visionSteps < 0 || !(visionLr > 0)) {
            throw new IllegalArgumentException("--vision-steps must be >= 0 and --vision-lr positive, got " + visionSteps + ", " + visionLr);
        }
        positive("images", trainImages);
        positive("eval-images", evalImages);
        positive("images-per-step", imagesPerStep);
        positive("questions-per-image", questionsPerImage);
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("--lr must be positive, got " + learningRate);
        }
        if (warmupSteps < 0 || !(minLrFraction >= 0 && minLrFraction <= 1) || !(popeSuffixShare >= 0 && popeSuffixShare <= 1)) {
            throw new IllegalArgumentException("--warmup must be >= 0, --min-lr-fraction and --pope-suffix-share in [0, 1]");
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("--image-size " + imageSize + " is not a multiple of --patch-size " + patchSize);
        }
        if (visionLayers < 2) {
            throw new IllegalArgumentException("--vision-layers must be >= 2 (LLaVA reads the second-to-last layer), got " + visionLayers);
        }
    }

    private static void positive(String flag, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException("--" + flag + " must be positive, got " + v);
        }
    }

    /** Learning rate at optimizer step {@code step} (0-based): linear warmup, then cosine to {@code minLrFraction}. */
    public double learningRate(int step) {
        return learningRate(step, steps);
    }

    /** The same schedule over {@code horizon} steps (a run shortened by its time budget decays over its real length). */
    public double learningRate(int step, int horizon) {
        return schedule(learningRate, step, horizon);
    }

    /** Stage 1's learning rate at step {@code step}: the same schedule from {@code visionLr} over {@code visionSteps}. */
    public double visionLearningRate(int step) {
        return schedule(visionLr, step, visionSteps);
    }

    /** Stage 0's learning rate at step {@code step}: the same schedule from {@code textLr} over {@code textSteps}. */
    public double textLearningRate(int step) {
        return schedule(textLr, step, textSteps);
    }

    /** Stage 3's learning rate at step {@code step}: the same schedule from {@code finetuneLr} over {@code finetuneSteps}. */
    public double finetuneLearningRate(int step) {
        return schedule(finetuneLr, step, finetuneSteps);
    }

    private double schedule(double peak, int step, int horizon) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        double t = horizon <= warmupSteps ? 1 : (double) (step - warmupSteps) / (horizon - warmupSteps);
        return peak * (minLrFraction + (1 - minLrFraction) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t))));
    }

    /** The train fraction that gives exactly {@code trainImages} train images out of {@code trainImages + evalImages}. */
    public double trainFraction() {
        return (trainImages + 0.5) / (trainImages + evalImages);
    }

    /** The benchmark the run trains and evaluates on (rendered at the benchmark's default size, as {@code synth} does). */
    public SyntheticBenchmark.Dataset dataset() {
        return SyntheticBenchmark.build(trainImages + evalImages, seed, SyntheticBenchmark.DEFAULT_SIZE, trainFraction());
    }

    /** The llava-hf {@code config.json} of this shape for a tokenizer's ids. */
    public JsonObject configJson(WordLevelTokenizer tok) {
        JsonObject text = new JsonObject();
        text.addProperty("model_type", "llama");
        text.addProperty("vocab_size", tok.vocabSize());
        text.addProperty("hidden_size", textHidden);
        text.addProperty("intermediate_size", textIntermediate);
        text.addProperty("num_hidden_layers", textLayers);
        text.addProperty("num_attention_heads", textHeads);
        text.addProperty("num_key_value_heads", textKvHeads);
        text.addProperty("hidden_act", "silu");
        text.addProperty("max_position_embeddings", maxPositions);
        text.addProperty("rms_norm_eps", 1e-5);
        text.addProperty("rope_theta", 10000.0);
        text.addProperty("attention_bias", false);
        text.addProperty("tie_word_embeddings", false);
        text.addProperty("bos_token_id", tok.bosId());
        text.addProperty("eos_token_id", tok.eosId());
        text.addProperty("pad_token_id", tok.padId());
        text.addProperty("torch_dtype", "float16");
        text.addProperty("_name_or_path", "sinkscope/tiny-llava");
        JsonObject vision = new JsonObject();
        vision.addProperty("model_type", "clip_vision_model");
        vision.addProperty("hidden_size", visionHidden);
        vision.addProperty("intermediate_size", visionIntermediate);
        vision.addProperty("num_hidden_layers", visionLayers);
        vision.addProperty("num_attention_heads", visionHeads);
        vision.addProperty("image_size", imageSize);
        vision.addProperty("patch_size", patchSize);
        vision.addProperty("num_channels", 3);
        vision.addProperty("hidden_act", "quick_gelu");
        vision.addProperty("layer_norm_eps", 1e-5);
        vision.addProperty("projection_dim", visionHidden);
        JsonObject root = new JsonObject();
        var arch = new com.google.gson.JsonArray();
        arch.add("LlavaForConditionalGeneration");
        root.add("architectures", arch);
        root.addProperty("model_type", "llava");
        root.addProperty("ignore_index", -100);
        root.addProperty("image_token_index", tok.imageId());
        root.addProperty("pad_token_id", tok.padId());
        root.addProperty("projector_hidden_act", "gelu");
        root.addProperty("vision_feature_layer", -2);
        root.addProperty("vision_feature_select_strategy", "default");
        root.addProperty("tie_word_embeddings", false);
        root.addProperty("torch_dtype", "float16");
        root.addProperty("transformers_version", "4.41.2");
        root.add("text_config", text);
        root.add("vision_config", vision);
        return root;
    }

    /** CLIPImageProcessor settings at {@code imageSize} (OpenAI CLIP mean/std, bicubic, resize then center crop). */
    public JsonObject preprocessorJson() {
        JsonObject o = new JsonObject();
        o.addProperty("image_processor_type", "CLIPImageProcessor");
        o.addProperty("processor_class", "LlavaProcessor");
        JsonObject size = new JsonObject();
        size.addProperty("shortest_edge", imageSize);
        o.add("size", size);
        JsonObject crop = new JsonObject();
        crop.addProperty("height", imageSize);
        crop.addProperty("width", imageSize);
        o.add("crop_size", crop);
        o.addProperty("do_resize", true);
        o.addProperty("do_center_crop", true);
        o.addProperty("do_rescale", true);
        o.addProperty("rescale_factor", 1.0 / 255.0);
        o.addProperty("do_normalize", true);
        o.addProperty("do_convert_rgb", true);
        o.addProperty("resample", 3);
        var mean = new com.google.gson.JsonArray();
        for (double v : new double[] {0.48145466, 0.4578275, 0.40821073}) {
            mean.add(v);
        }
        var std = new com.google.gson.JsonArray();
        for (double v : new double[] {0.26862954, 0.26130258, 0.27577711}) {
            std.add(v);
        }
        o.add("image_mean", mean);
        o.add("image_std", std);
        return o;
    }

    /** The command line that reproduces this recipe. */
    public String commandLine(String out) {
        String text = textSteps == 0 ? "" : String.format(Locale.ROOT, "--text-steps %d --text-batch %d --text-length %d --text-lr %s --text-copy-share %s ",
                textSteps, textBatch, textLength, textLr, textCopyShare);
        if (textWeightDecay > 0 || freezeEmbeddings || textSceneShare > 0) {
            text += String.format(Locale.ROOT, "--text-weight-decay %s %s--text-scene-share %s ", textWeightDecay, freezeEmbeddings ? "--freeze-embeddings " : "",
                    textSceneShare);
        }
        if (alignProjectorOnly || finetuneSteps > 0) {
            text += String.format(Locale.ROOT, "%s--finetune-steps %d --finetune-lr %s --finetune-from-layer %d --replay-share %s ",
                    alignProjectorOnly ? "--align-projector-only " : "", finetuneSteps, finetuneLr, finetuneFromLayer, replayShare);
        }
        if (visionFrom != null) {
            text += "--vision-from " + visionFrom + " ";
        }
        if (scenePatchWords != 1) {
            text += "--scene-patch-words " + scenePatchWords + " ";
        }
        if (freezeBosEmbedding) {
            text += "--freeze-bos-embedding ";
        }
        if (textFrom != null) {
            text += "--text-from " + textFrom + " ";
        }
        if (textBosShare > 0) {
            text += "--text-bos-share " + textBosShare + " ";
        }
        if (!visionObjective.equals("patch")) {
            text += "--vision-objective " + visionObjective + " ";
        }
        if (patchWordWeight > 0) {
            text += String.format(Locale.ROOT, "--patch-word-weight %s %s", patchWordWeight, patchWordAnneal ? "--patch-word-anneal " : "");
        }
        return String.format(Locale.ROOT, "jobs/sinkscope train-reference --out %s --seed %d --images %d --eval-images %d %s--vision-steps %d --vision-batch %d "
                        + "--vision-lr %s --steps %d "
                        + "--images-per-step %d --questions-per-image %d --lr %s --warmup %d --min-lr-fraction %s --init-std %s "
                        + "--pope-suffix-share %s --image-size %d --patch-size %d --vision-hidden %d --vision-layers %d --vision-heads %d "
                        + "--vision-intermediate %d --hidden %d --layers %d --heads %d --kv-heads %d --intermediate %d --max-positions %d",
                out, seed, trainImages, evalImages, text, visionSteps, visionBatch, visionLr, steps, imagesPerStep, questionsPerImage, learningRate, warmupSteps, minLrFraction, initStd,
                popeSuffixShare, imageSize, patchSize, visionHidden, visionLayers, visionHeads, visionIntermediate, textHidden, textLayers,
                textHeads, textKvHeads, textIntermediate, maxPositions);
    }
}
