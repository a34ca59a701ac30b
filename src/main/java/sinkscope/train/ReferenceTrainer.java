package sinkscope.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import sinkscope.data.PromptTemplate;
import sinkscope.data.Question;
import sinkscope.data.SyntheticBenchmark;
import sinkscope.data.SyntheticScene;
import sinkscope.model.ForwardStep;
import sinkscope.model.KvCache;
import sinkscope.model.RandomWeights;
import sinkscope.model.clip.ClipImageProcessor;
import sinkscope.model.llava.Llava;
import sinkscope.model.llava.LlavaConfig;
import sinkscope.model.clip.LlavaTokenizer;
import sinkscope.sink.VarParams;

/**
 * Trains a LLaVA-1.5-architecture model from scratch on the synthetic benchmark's train split with DJL's training
 * API: PyTorch autograd through the {@link Llava} runtime's own blocks, {@link Optimizer#adam()}.
 *
 * <p>Stage 0 ({@link TextPretraining}, when {@code textSteps > 0}) pretrains the language model on a synthetic
 * language, as LLaVA starts from a pretrained LLM, and fixes D_sink from BOS ({@link TextPretraining#sinkDimensions});
 * with {@code textFrom} it starts from a saved checkpoint's language model, a second phase with its own schedule.
 * Stage 1 ({@link VisionPretraining}) pretrains the vision tower, as CLIP comes pretrained to LLaVA. Stage 2, visual
 * instruction tuning, trains the projector and the language model with the tower frozen (as LLaVA-1.5 does), or the
 * projector alone ({@code alignProjectorOnly}, LLaVA's feature alignment: BOS cannot change by construction): the
 * tower's features are computed once per image and the steps run the projector and the decoder only. Stage 3 (when
 * {@code finetuneSteps > 0} and stage 2 ends below {@link Recipe#FINETUNE_BELOW}) trains the upper decoder layers,
 * the final norm and {@code lm_head}, a {@code replayShare} of its steps on stage 0's data.
 *
 * <p>One optimizer step: {@code imagesPerStep} train images drawn at random, {@code questionsPerImage} of each
 * image's distinct questions (POPE yes/no questions answered {@code Yes}/{@code No}, open questions answered with
 * their one-word label), each prompt {@code USER: <image>\n{question} ASSISTANT:} (with LLaVA's POPE suffix for a
 * {@code popeSuffixShare} of them). The projected image features are spliced in place of {@code <image>} exactly
 * as {@link Llava#merge} does, sequences are
 * right-padded (causal attention: padding never reaches a real position). Loss: teacher-forced cross-entropy
 * {@code -mean log p(answer_k | prefix)} over the answer tokens and the closing {@code </s>} only; the prompt and
 * the image rows carry no loss. Gradients are summed by autograd over the batch and reset after every update.
 * With {@code patchWordWeight > 0} stage 2 adds {@code w * L_align} ({@link PatchWordTarget}: each image token pulled
 * towards the embedding of its patch's word in the scene text), {@code w} constant or annealed linearly to 0.
 *
 * <p>Near 600 lines for one reason: the stages share the scenes, the conversations built from them and the
 * held-out measurement, and a split would pass all of that between two classes.
 */
public final class ReferenceTrainer {
    /** Held-out images the loss curve's accuracy is measured on. */
    private static final int MONITOR_IMAGES = 20;
    /** Updates skipped for non-finite gradients before the run gives up. */
    private static final int MAX_SKIPPED = 20;

    /**
     * One point of the loss curve: mean training loss and answer accuracy over the steps since the last point; with the
     * patch-word target, the held-out images' alignment loss (NaN without it).
     */
    public record CurvePoint(int step, double loss, double trainAccuracy, double learningRate, double heldOutAccuracy, double heldOutAlign, double seconds) {}

    /** A finished run: the trained model (the caller closes it) and its curve. */
    public record Run(Llava model, List<TextPretraining.Point> textCurve, int[] sinkDims, List<VisionPretraining.Point> visionCurve, List<CurvePoint> curve,
                      List<CurvePoint> finetuneCurve, double seconds, long parameters, int steps) {}

    private final Recipe recipe;
    private final LlavaConfig config;
    private final LlavaTokenizer tokenizer;
    private final ClipImageProcessor images;
    private final SyntheticBenchmark.Dataset dataset;
    private final PromptTemplate template = PromptTemplate.of(LlavaConfig.LLAVA_HF);
    private final WordLevelTokenizer vocabulary;

    public ReferenceTrainer(Recipe recipe, LlavaConfig config, LlavaTokenizer tokenizer, ClipImageProcessor images) {
        this.recipe = recipe;
        this.config = config;
        this.tokenizer = tokenizer;
        this.images = images;
        this.dataset = recipe.dataset();
        this.vocabulary = recipe.tokenizer();
    }

    public SyntheticBenchmark.Dataset dataset() {
        return dataset;
    }

    /** The answer a question is trained to give: {@code Yes}/{@code No} for POPE labels, the label otherwise. */
    public static String targetAnswer(Question q) {
        return switch (q.label()) {
            case "yes" -> WordLevelTokenizer.YES;
            case "no" -> WordLevelTokenizer.NO;
            default -> q.label();
        };
    }

    /** Trains; {@code log} receives one line per curve point. */
    public Run train(int logEvery, double budgetMinutes, Consumer<String> log) {
        long t0 = System.nanoTime();
        List<List<Question>> train = questionsByImage(dataset.train());
        List<List<Question>> heldOut = new ArrayList<>(dataset.eval().stream()
                .collect(java.util.stream.Collectors.groupingBy(Question::image, LinkedHashMap::new, java.util.stream.Collectors.toList())).values());
        float[][] pixels = pixels(0, dataset.scenes().size());
        log.accept(String.format(java.util.Locale.ROOT, "data: %d train images, %d held-out images, pixels in %.1f s", dataset.trainImages(),
                pixels.length - dataset.trainImages(), (System.nanoTime() - t0) / 1e9));

        Llava model = Llava.create(config, new RandomWeights(recipe.seed(), recipe.initStd()), Device.cpu(), DataType.FLOAT32);
        try {
            long count = model.parameters().values().stream().mapToLong(NDArray::size).sum();
            if (recipe.visionFrom() != null) {
                log.accept("stage 1 (before stage 0, which leaves the tower alone): " + ReferenceCheckpoint.copyParameters(model,
                        java.nio.file.Path.of(recipe.visionFrom()), "vision_tower.", "--vision-from") + " vision tower tensors from " + recipe.visionFrom());
            }
            if (recipe.textFrom() != null) {
                log.accept("stage 0 continues " + ReferenceCheckpoint.copyParameters(model, java.nio.file.Path.of(recipe.textFrom()), "language_model.",
                        "--text-from") + " language model tensors from " + recipe.textFrom());
            }
            TextPretraining text = null;
            List<TextPretraining.Point> textCurve = List.of();
            int[] sinkDims = null;
            if (recipe.textSteps() > 0 || recipe.textFrom() != null) {
                SplittableRandom heldRng = new SplittableRandom(recipe.seed() ^ 0x5ce7eL);
                List<TextPretraining.Text> heldOutTexts = heldOut.stream().limit(TextPretraining.MONITOR_SEQUENCES).map(qs -> sceneText(qs, heldRng)).toList();
                text = new TextPretraining(recipe, recipe.tokenizer(), rng -> sceneText(train.get(rng.nextInt(train.size())), rng), heldOutTexts);
                if (recipe.textSteps() > 0) {
                    textCurve = text.train(model, logEvery * 4, log);
                }
                // read off the language model stage 2 starts from: stage 0's, or the --text-from checkpoint's when stage 0 has no steps
                sinkDims = text.sinkDimensions(model, VarParams.tauForHiddenSize(VarParams.PAPER_TAU_FRACTION, config.text().hiddenSize()));
                log.accept("D_sink read off BOS after stage 0: " + java.util.Arrays.toString(sinkDims));
            }
            List<VisionPretraining.Point> visionCurve = recipe.visionSteps() == 0 || recipe.visionFrom() != null ? List.of()
                    : new VisionPretraining(recipe, dataset).train(model, pixels, logEvery * 4, log);
            float[][] features = visionFeatures(model, pixels);
            pixels = null; // stages 2 and 3 read the frozen tower's features only
            Map<String, NDArray> params = new LinkedHashMap<>();
            model.parameters().forEach((name, p) -> {
                if (recipe.alignProjectorOnly() ? name.startsWith("multi_modal_projector.") : !name.startsWith("vision_tower.")) {
                    params.put(name, p);
                }
            });
            int[] horizon = {recipe.steps()};
            List<CurvePoint> curve = new ArrayList<>();
            int steps = stage(model, params, (step, h) -> recipe.learningRate(step, h), recipe::patchWordWeight, horizon, budgetMinutes, t0, null, train,
                    heldOut, features, logEvery, "step", curve, log);
            List<CurvePoint> finetune = new ArrayList<>();
            double reached = curve.isEmpty() ? 0 : curve.get(curve.size() - 1).heldOutAccuracy();
            if (recipe.finetuneSteps() > 0 && reached < Recipe.FINETUNE_BELOW) {
                params.clear();
                model.parameters().forEach((name, p) -> {
                    if (finetuned(name, recipe.finetuneFromLayer())) {
                        params.put(name, p);
                    }
                });
                stage(model, params, (step, h) -> recipe.finetuneLearningRate(step), (step, h) -> 0, new int[] {recipe.finetuneSteps()}, 0, t0, text,
                        train, heldOut, features, logEvery, "finetune step", finetune, log);
            } else if (recipe.finetuneSteps() > 0) {
                log.accept(String.format(java.util.Locale.ROOT, "stage 3 skipped: held-out accuracy %.3f after stage 2 is >= %.2f", reached,
                        Recipe.FINETUNE_BELOW));
            }
            return new Run(model, textCurve, sinkDims, visionCurve, curve, finetune, (System.nanoTime() - t0) / 1e9, count, steps);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Whether stage 3 trains a parameter: decoder layers from {@code fromLayer} on, the final norm and {@code lm_head}. */
    static boolean finetuned(String name, int fromLayer) {
        String layers = "language_model.model.layers.";
        if (name.startsWith(layers)) {
            return Integer.parseInt(name.substring(layers.length(), name.indexOf('.', layers.length()))) >= fromLayer;
        }
        return name.equals("language_model.model.norm.weight") || name.startsWith("language_model.lm_head.");
    }

    /**
     * One multimodal stage over {@code params} (Adam, no weight decay): {@code horizon[0]} steps, re-planned from the
     * pace when {@code budgetMinutes > 0}; with {@code replay}, a {@code replayShare} of the steps are a batch of stage
     * 0's data instead; {@code align} weighs the patch-word loss. Returns the steps run.
     */
    private int stage(Llava model, Map<String, NDArray> params, Schedule lr, Schedule align, int[] horizon, double budgetMinutes, long t0, TextPretraining replay,
                      List<List<Question>> train, List<List<Question>> heldOut, float[][] features, int logEvery, String name, List<CurvePoint> curve,
                      Consumer<String> log) {
        params.values().forEach(p -> p.setRequiresGradient(true));
        int[] stepRef = {0};
        Optimizer adam = Optimizer.adam().optLearningRateTracker((n, k) -> (float) lr.at(stepRef[0], horizon[0])).build();
        SplittableRandom rng = new SplittableRandom(recipe.seed() ^ name.hashCode());
        double lossSum = 0;
        double accSum = 0;
        double alignSum = 0;
        int batches = 0;
        int steps = horizon[0];
        long start = System.nanoTime();
        int skipped = 0;
        for (int step = 0; step < steps; step++) {
            stepRef[0] = step;
            if (budgetMinutes > 0 && step > 0 && step >= recipe.warmupSteps() && step % logEvery == 0) {
                // Re-plan the schedule's length from the pace so far, so that the cosine ends when the budget does.
                double perStep = (System.nanoTime() - start) / 6e10 / step;
                double left = budgetMinutes - (System.nanoTime() - t0) / 6e10;
                horizon[0] = Math.max(step + 1, Math.min(steps, step + (int) (left / perStep)));
                steps = horizon[0];
            }
            boolean replayStep = replay != null && rng.nextDouble() < recipe.replayShare();
            Batch batch = replayStep ? null : sample(train, features, rng);
            // The scope frees what the runtime's blocks create in the model's own manager (embedding rows, norms),
            // which the step's manager alone would leave behind.
            try (NDManager m = model.newSampleManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    if (replayStep) {
                        gc.backward(replay.batchLoss(m, model.language(), rng));
                    } else {
                        Output out = forward(m, model, batch, align.at(step, horizon[0]));
                        gc.backward(out.loss());
                        float loss = out.loss().getFloat();
                        lossSum += Float.isFinite(loss) ? loss : 0;
                        accSum += out.accuracy();
                        alignSum += out.align();
                        batches++;
                    }
                }
            }
            if (!OptimizerStep.apply(params, adam)) {
                skipped++;
                log.accept(name + " " + (step + 1) + ": non-finite gradient, update skipped (" + skipped + " so far)");
                if (skipped > MAX_SKIPPED) {
                    throw new IllegalStateException(skipped + " updates skipped for non-finite gradients by step " + (step + 1) + "; lower the learning rate");
                }
            }
            if ((step + 1) % logEvery == 0 || step + 1 == steps) {
                double[] held = heldOut(model, heldOut, features);
                CurvePoint p = new CurvePoint(step + 1, lossSum / Math.max(1, batches), accSum / Math.max(1, batches), lr.at(step, horizon[0]), held[0],
                        held[1], (System.nanoTime() - t0) / 1e9);
                curve.add(p);
                String aligned = Double.isNaN(p.heldOutAlign()) ? "" : String.format(java.util.Locale.ROOT, "  align %.4f (weight %.3g)  held-out align %.4f",
                        alignSum / Math.max(1, batches), align.at(step, horizon[0]), p.heldOutAlign());
                log.accept(String.format(java.util.Locale.ROOT, "%s %5d  loss %.4f  train acc %.3f  lr %.2e  held-out acc %.3f%s  %.0f s", name,
                        p.step(), p.loss(), p.trainAccuracy(), p.learningRate(), p.heldOutAccuracy(), aligned, p.seconds()));
                lossSum = 0;
                accSum = 0;
                alignSum = 0;
                batches = 0;
            }
        }
        params.values().forEach(p -> p.setRequiresGradient(false));
        return steps;
    }

    /** A stage's learning rate (or loss weight) at a step, given the schedule's (possibly re-planned) length. */
    private interface Schedule {
        double at(int step, int horizon);
    }

    /**
     * The text version of one training or held-out image: {@link #conversation} with the patch words in place of {@code <image>}, in
     * raster order: {@code background} for a patch no object covers, else the covering object's class word or its colour and shape
     * words ({@link Recipe#scenePatchWords}).
     */
    TextPretraining.Text sceneText(List<Question> questions, SplittableRandom rng) {
        Sequence seq = conversation(0, turns(questions, rng), rng.nextDouble() < recipe.popeSuffixShare());
        int index = SyntheticBenchmark.imageIndex(questions.get(0).image());
        int[] classes = VisionPretraining.patchClasses(dataset.scenes().get(index), recipe.imageSize() / recipe.patchSize());
        int[] patchWords = patchWords(index);
        int at = indexOf(seq.ids(), config.imageTokenIndex());
        List<Integer> words = new ArrayList<>();
        for (int p = 0; p < classes.length; p++) {
            if (classes[p] < 0 || recipe.scenePatchWords() == 1) {
                words.add(patchWords[p]);
            } else {
                for (String w : SyntheticScene.className(classes[p]).split(" ")) {
                    words.add(vocabulary.id(w));
                }
            }
        }
        int n = words.size();
        long[] ids = new long[seq.ids().length - 1 + n];
        boolean[] target = new boolean[ids.length];
        System.arraycopy(seq.ids(), 0, ids, 0, at);
        System.arraycopy(seq.target(), 0, target, 0, at);
        for (int p = 0; p < n; p++) {
            ids[at + p] = words.get(p);
        }
        System.arraycopy(seq.ids(), at + 1, ids, at + n, seq.ids().length - at - 1);
        System.arraycopy(seq.target(), at + 1, target, at + n, seq.ids().length - at - 1);
        return new TextPretraining.Text(ids, target);
    }

    /** The word of every patch of scene {@code index} ({@link PatchWordTarget#words}). */
    int[] patchWords(int index) {
        return PatchWordTarget.words(dataset.scenes().get(index), recipe.imageSize() / recipe.patchSize(), vocabulary);
    }

    /** Distinct questions per image (index relative to {@code first}), in benchmark order. */
    private List<List<Question>> questionsByImage(List<Question> questions) {
        Map<String, List<Question>> byImage = new LinkedHashMap<>();
        for (Question q : questions) {
            List<Question> qs = byImage.computeIfAbsent(q.image(), k -> new ArrayList<>());
            if (qs.stream().noneMatch(x -> x.text().equals(q.text()))) {
                qs.add(q);
            }
        }
        return new ArrayList<>(byImage.values());
    }

    /** The tower's selected features {@code [N * Dv]} of every image ({@link Llava#selectedVisionFeatures}), 64 images at a time. */
    static float[][] visionFeatures(Llava model, float[][] pixels) {
        LlavaConfig c = model.config();
        int size = c.vision().imageSize();
        float[][] out = new float[pixels.length][];
        for (int from = 0; from < pixels.length; from += 64) {
            int n = Math.min(64, pixels.length - from);
            float[] x = new float[n * 3 * size * size];
            for (int i = 0; i < n; i++) {
                System.arraycopy(pixels[from + i], 0, x, i * 3 * size * size, 3 * size * size);
            }
            try (NDManager m = model.newSampleManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                float[] f = model.selectedVisionFeatures(m, m.create(x, new Shape(n, 3, size, size))).toFloatArray();
                int per = f.length / n;
                for (int i = 0; i < n; i++) {
                    out[from + i] = java.util.Arrays.copyOfRange(f, i * per, (i + 1) * per);
                }
            }
        }
        return out;
    }

    /** CLIP pixel values of scenes {@code [from, to)}, rendered at the benchmark's size as {@code synth} writes them. */
    private float[][] pixels(int from, int to) {
        List<SyntheticScene> scenes = dataset.scenes().subList(from, to);
        return scenes.parallelStream().map(s -> images.pixelValues(s.render(recipe.seed()), ClipImageProcessor.Mode.CROP))
                .toArray(float[][]::new);
    }

    /**
     * One conversation about one image: {@code turns} questions, the first as {@code USER: <image>\n{q} ASSISTANT:}, the
     * next ones as {@code USER: {q} ASSISTANT:}, each followed by its answer and {@code </s>} (LLaVA's multi-turn
     * vicuna format). {@code target[p]} marks the positions whose next token is an answer token or its {@code </s>}.
     */
    Sequence conversation(int image, List<Question> turns, boolean popeSuffix) {
        PromptTemplate t = template.withPopeSuffix(popeSuffix);
        List<Long> ids = new ArrayList<>();
        List<Boolean> answer = new ArrayList<>();
        for (int k = 0; k < turns.size(); k++) {
            Question q = turns.get(k);
            long[] prompt = tokenizer.encode(k == 0 ? t.render(q.text()) : t.render(q.text()).replace(LlavaTokenizer.IMAGE_TOKEN + "\n", ""));
            for (int i = k == 0 ? 0 : 1; i < prompt.length; i++) {
                ids.add(prompt[i]);
                answer.add(false);
            }
            long[] a = tokenizer.encode(targetAnswer(q));
            for (int i = 1; i < a.length; i++) {
                ids.add(a[i]);
                answer.add(true);
            }
            ids.add((long) config.text().eosTokenId());
            answer.add(true);
        }
        long[] out = ids.stream().mapToLong(Long::longValue).toArray();
        boolean[] target = new boolean[out.length];
        for (int p = 0; p + 1 < out.length; p++) {
            target[p] = answer.get(p + 1);
        }
        return new Sequence(image, out, target);
    }

    /** Token ids with one {@code <image>}, and which positions predict an answer token. */
    record Sequence(int image, long[] ids, boolean[] target) {}

    /**
     * Images (the vision tower's selected features, {@code [N * Dv]} each), one sequence per image, and each image's
     * patch words ({@link #patchWords}) when the patch-word loss is measured, else null.
     */
    record Batch(float[][] features, int[][] patchWords, List<Sequence> sequences) {
        Batch(float[][] features, List<Sequence> sequences) {
            this(features, null, sequences);
        }
    }

    private Batch sample(List<List<Question>> data, float[][] features, SplittableRandom rng) {
        int n = recipe.imagesPerStep();
        float[][] px = new float[n][];
        int[][] words = recipe.patchWordWeight() > 0 ? new int[n][] : null;
        List<Sequence> seqs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int image = rng.nextInt(data.size());
            int index = SyntheticBenchmark.imageIndex(data.get(image).get(0).image());
            px[i] = features[index];
            if (words != null) {
                words[i] = patchWords(index);
            }
            seqs.add(conversation(i, turns(data.get(image), rng), rng.nextDouble() < recipe.popeSuffixShare()));
        }
        return new Batch(px, words, seqs);
    }

    /** Up to {@code questionsPerImage} of an image's distinct questions in random order, for one conversation. */
    private List<Question> turns(List<Question> questions, SplittableRandom rng) {
        List<Question> yes = new ArrayList<>();
        List<Question> no = new ArrayList<>();
        List<Question> open = new ArrayList<>();
        for (Question q : questions) {
            ("yes".equals(q.label()) ? yes : "no".equals(q.label()) ? no : open).add(q);
        }
        List<Question> turns = new ArrayList<>();
        while (turns.size() < recipe.questionsPerImage() && !(yes.isEmpty() && no.isEmpty() && open.isEmpty())) {
            // each turn: the open question with probability 1/4 (while there is one), else yes or no with equal odds
            List<Question> pool = !open.isEmpty() && rng.nextInt(4) == 0 ? open : rng.nextBoolean() ? yes : no;
            if (pool.isEmpty()) {
                pool = !yes.isEmpty() ? yes : !no.isEmpty() ? no : open;
            }
            turns.add(pool.remove(rng.nextInt(pool.size())));
        }
        return turns;
    }

    /**
     * Loss (a scalar, attached to the step's manager), per sequence whether the first answer token is the argmax, and the
     * patch-word loss {@code L_align} (NaN when the batch has no patch words).
     */
    record Output(NDArray loss, boolean[] firstCorrect, double align) {
        double accuracy() {
            int right = 0;
            for (boolean c : firstCorrect) {
                right += c ? 1 : 0;
            }
            return (double) right / firstCorrect.length;
        }
    }

    /** {@link #forward(NDManager, Llava, Batch, double)} with the answer loss alone. */
    Output forward(NDManager m, Llava model, Batch batch) {
        return forward(m, model, batch, 0);
    }

    /**
     * The batched teacher-forced forward pass: merged embeddings {@code [B, S, D]} as {@link Llava#merge} builds them
     * (image features in place of {@code <image>}), the decoder, the final norm and {@code lm_head}; the loss is the
     * mean of {@code -log p(next token)} over the target positions, plus {@code alignWeight * L_align} ({@link PatchWordTarget})
     * when the batch has patch words and the weight is above 0.
     */
    Output forward(NDManager m, Llava model, Batch batch, double alignWeight) {
        int b = batch.sequences().size();
        int at = -1;
        int length = 0;
        for (Sequence e : batch.sequences()) {
            int i = indexOf(e.ids(), config.imageTokenIndex());
            if (at >= 0 && i != at) {
                throw new IllegalStateException("prompts of one batch must put <image> at the same index");
            }
            at = i;
            length = Math.max(length, e.ids().length);
        }
        long[] ids = new long[b * length];
        java.util.Arrays.fill(ids, config.padTokenId() == null ? 0 : config.padTokenId());
        for (int s = 0; s < b; s++) {
            Sequence e = batch.sequences().get(s);
            System.arraycopy(e.ids(), 0, ids, s * length, e.ids().length);
            ids[s * length + at] = 0; // the placeholder's row is replaced by the image; any in-vocabulary id embeds here
        }
        int images = batch.features().length;
        int per = batch.features()[0].length;
        int dv = config.vision().hiddenSize();
        float[] flat = new float[images * per];
        for (int i = 0; i < images; i++) {
            System.arraycopy(batch.features()[i], 0, flat, i * per, per);
        }
        NDArray features = model.project(m, m.create(flat, new Shape(images, per / dv, dv)));
        NDArray align = batch.patchWords() == null ? null : PatchWordTarget.loss(m, model, features, batch.patchWords());
        if (images != b) {
            features = features.get(m.create(batch.sequences().stream().mapToLong(Sequence::image).toArray()));
        }
        int n = (int) features.getShape().get(1);
        // Ops attach their result to their first operand's manager: the embedding rows come out in the model's
        // manager, so they move to the step's; every activation after them follows (and is freed with the step).
        NDArray embeds = model.language().embed(m.create(ids, new Shape(b, length)));
        embeds.attach(m);
        NDArray merged = NDArrays.concat(new NDList(embeds.get(new NDIndex(":, :{}, :", at)), features,
                embeds.get(new NDIndex(":, {}:, :", at + 1))), 1);
        merged.attach(m);
        int s = length - 1 + n;
        List<Long> rows = new ArrayList<>();
        List<Long> next = new ArrayList<>();
        int[] first = new int[b];
        for (int i = 0; i < b; i++) {
            Sequence e = batch.sequences().get(i);
            first[i] = -1;
            for (int p = 0; p < e.ids().length; p++) {
                if (e.target()[p]) {
                    int row = i * s + (p < at ? p : p - 1 + n);
                    if (first[i] < 0) {
                        first[i] = rows.size();
                    }
                    rows.add((long) row);
                    next.add(e.ids()[p + 1]);
                }
            }
        }
        int vocab = config.text().vocabSize();
        float[] onehot = new float[next.size() * vocab];
        for (int k = 0; k < next.size(); k++) {
            onehot[k * vocab + next.get(k).intValue()] = 1;
        }
        try (KvCache cache = new KvCache(model.numLayers())) {
            NDArray hidden = model.language().layers(merged, cache, new ForwardStep(-1, 0, s, at, at + n, model.numLayers()), null);
            NDArray selected = hidden.reshape(b * s, -1).get(m.create(rows.stream().mapToLong(Long::longValue).toArray()));
            NDArray logits = model.language().logits(model.language().norm(selected)); // [T, V]
            NDArray loss = logits.logSoftmax(-1).mul(m.create(onehot, new Shape(next.size(), vocab))).sum().neg().div(next.size());
            if (align != null && alignWeight > 0) {
                loss = loss.add(align.mul((float) alignWeight));
            }
            long[] argmax = logits.argMax(-1).toLongArray();
            boolean[] correct = new boolean[b];
            for (int i = 0; i < b; i++) {
                correct[i] = first[i] >= 0 && argmax[first[i]] == next.get(first[i]);
            }
            return new Output(loss, correct, align == null ? Double.NaN : align.getFloat());
        }
    }

    /**
     * First-answer-token accuracy (teacher forced, one POPE question per sequence, POPE suffix) on held-out images, every
     * split, and with the patch-word target the mean of {@code L_align} over those images (else NaN).
     */
    private double[] heldOut(Llava model, List<List<Question>> data, float[][] features) {
        int right = 0;
        int total = 0;
        double align = 0;
        int aligned = 0;
        for (int image = 0; image < Math.min(MONITOR_IMAGES, data.size()); image++) {
            List<Sequence> seqs = new ArrayList<>();
            for (Question q : data.get(image)) {
                if (SyntheticBenchmark.POPE_SPLITS.contains(q.category())) {
                    seqs.add(conversation(0, List.of(q), true));
                }
            }
            if (seqs.isEmpty()) {
                continue;
            }
            int index = SyntheticBenchmark.imageIndex(data.get(image).get(0).image());
            try (NDManager m = model.newSampleManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                Output out = forward(m, model, new Batch(new float[][] {features[index]},
                        recipe.patchWordWeight() > 0 ? new int[][] {patchWords(index)} : null, seqs));
                for (boolean c : out.firstCorrect()) {
                    right += c ? 1 : 0;
                    total++;
                }
                if (!Double.isNaN(out.align())) {
                    align += out.align();
                    aligned++;
                }
            }
        }
        return new double[] {total == 0 ? Double.NaN : (double) right / total, aligned == 0 ? Double.NaN : align / aligned};
    }

    private static int indexOf(long[] ids, long id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        throw new IllegalArgumentException("prompt has no <image> placeholder");
    }
}
