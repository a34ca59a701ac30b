package sinkscope.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import sinkscope.model.AttentionHook;
import sinkscope.model.Capture;
import sinkscope.model.ForwardStep;
import sinkscope.model.KvCache;
import sinkscope.model.LlamaModel;
import sinkscope.model.llava.Llava;

/**
 * Stage 0 of the reference recipe, in the place of the LLM's language pretraining: the decoder (token embeddings,
 * layers, final norm, {@code lm_head}) learns a synthetic language in which most tokens need no attention to the
 * past, the "bigram-backcopy" task of the active-dormant attention-sink analyses (Guo et al. 2024,
 * arXiv:2410.13835), before the multimodal stage trains it further.
 *
 * <p>The language ({@link Language}) is over the tokenizer's ordinary words (not {@code <unk>}, {@code </s>},
 * {@code <image>}, {@code <pad>}): a seeded split into {@value Language#TRIGGERS} trigger words and the other words;
 * every other word {@code w} has {@value Language#SUCCESSORS} seeded successors {@code s_1(w), s_2(w)}. A sequence
 * is {@code <s> x_1 ... x_{n-1}}, {@code x_1} uniform over the other words, and for {@code t >= 1}:
 * <ul>
 *   <li>{@code x_t} a trigger: {@code x_{t+1} = x_{t-1}} (back-copy, needs attention to the previous token);</li>
 *   <li>{@code x_t = <s>} (a packed document's start, below): {@code x_{t+1}} uniform over the other words;</li>
 *   <li>otherwise, with probability {@code bosShare} a {@code <s>} that starts the next document (documents packed into
 *       one sequence, as LLMs are pretrained, so that {@code <s>} is not only at position 0); else with probability
 *       {@code copyShare} a uniform trigger; else the bigram step, {@code s_1(x_t)} with probability 3/4 and
 *       {@code s_2(x_t)} with 1/4 (needs nothing but the current token).</li>
 * </ul>
 * So a share {@code 1 - copyShare} of the predictable positions is pure bigram: the heads that copy must stay
 * dormant there, which is the pressure under which a BOS attention sink with a massive residual state forms.
 *
 * <p>Scene texts ({@code textSceneShare > 0}): that share of each batch is the text version of a training scene
 * ({@link Text}, made by the caller: a word per patch, then the multimodal stage's questions and answers), right-padded,
 * with loss on the answer tokens only.
 *
 * <p>Loss: teacher-forced cross-entropy {@code -mean_{b, t < n-1} log p(x_{t+1} | x_{<=t})} over the language's
 * sequences, plus the mean over the scene texts' answer positions when there are any; gradient norm clipped to 1,
 * linear warmup then cosine over {@code textSteps} from {@code textLr}; Adam, or AdamW with decoupled weight decay
 * {@code textWeightDecay} on the weight matrices ({@code w -= lr * wd * w}; token embeddings and norm gains are not
 * decayed); token embeddings frozen at their initialisation when {@code freezeEmbeddings}, BOS's row alone when
 * {@code freezeBosEmbedding} (its gradient zeroed before each step). The monitor, on a fixed held-out batch:
 * the loss, the back-copy accuracy (argmax at positions whose token is a trigger), the held-out scene texts' answer
 * accuracy, and per layer BOS's {@code max_d |x_d| / RMS(x)} entering the layer (and that {@code d}), the attention
 * on BOS of the layer's most BOS-bound head (max over heads of the mean over sequences and query positions
 * {@code t >= 1}), and BOS's value norm over the mean value norm of the other positions
 * ({@code ||W_v RMSNorm(x_0)|| / mean_t ||W_v RMSNorm(x_t)||}).
 */
final class TextPretraining {
    /** Held-out sequences the monitor runs on. */
    static final int MONITOR_SEQUENCES = 32;

    /** One point of the stage's curve; the arrays are per layer. */
    record Point(int step, double loss, double heldOutLoss, double copyAccuracy, double sceneAccuracy, double[] bosPhi, int[] bosDim,
                 double[] bosAttention, double[] bosValueRatio, double seconds) {}

    /** A stage-0 sequence, {@code <s>} first, and which positions carry loss ({@code target[p]}: predict {@code ids[p + 1]}). */
    record Text(long[] ids, boolean[] target) {}

    /** The bigram-backcopy language over a tokenizer's ordinary words. */
    static final class Language {
        static final int TRIGGERS = 4;
        static final int SUCCESSORS = 2;
        private final long bos;
        private final long[] triggers;
        private final long[] others;
        private final long[][] successors;
        private final Map<Long, Integer> otherIndex = new LinkedHashMap<>();
        private final double copyShare;
        private final double bosShare;

        Language(WordLevelTokenizer tok, long seed, double copyShare) {
            this(tok, seed, copyShare, 0);
        }

        /** With packed documents: a non-trigger word is followed by {@code <s>} with probability {@code bosShare}. */
        Language(WordLevelTokenizer tok, long seed, double copyShare, double bosShare) {
            if (!(copyShare >= 0 && copyShare <= 1)) {
                throw new IllegalArgumentException("--text-copy-share must be in [0, 1], got " + copyShare);
            }
            if (!(bosShare >= 0 && bosShare < 1)) {
                throw new IllegalArgumentException("--text-bos-share must be in [0, 1), got " + bosShare);
            }
            this.copyShare = copyShare;
            this.bosShare = bosShare;
            this.bos = tok.bosId();
            List<Long> words = new ArrayList<>();
            for (int id = tok.eosId() + 1; id < tok.vocabSize(); id++) {
                if (id != tok.imageId() && id != tok.padId()) {
                    words.add((long) id);
                }
            }
            SplittableRandom rng = new SplittableRandom(seed ^ 0x7e47L);
            for (int i = words.size() - 1; i > 0; i--) { // Fisher-Yates
                java.util.Collections.swap(words, i, rng.nextInt(i + 1));
            }
            if (words.size() < TRIGGERS + SUCCESSORS + 1) {
                throw new IllegalArgumentException("vocabulary of " + words.size() + " words is too small for the text stage");
            }
            triggers = words.subList(0, TRIGGERS).stream().mapToLong(Long::longValue).toArray();
            others = words.subList(TRIGGERS, words.size()).stream().mapToLong(Long::longValue).toArray();
            successors = new long[others.length][SUCCESSORS];
            for (int i = 0; i < others.length; i++) {
                otherIndex.put(others[i], i);
                int a = rng.nextInt(others.length);
                int b = (a + 1 + rng.nextInt(others.length - 1)) % others.length; // distinct from a
                successors[i] = new long[] {others[a], others[b]};
            }
        }

        long[] triggers() {
            return triggers.clone();
        }

        boolean isTrigger(long id) {
            for (long t : triggers) {
                if (t == id) {
                    return true;
                }
            }
            return false;
        }

        /** The bigram successors {@code s_1(w), s_2(w)} of a non-trigger word. */
        long[] successors(long word) {
            Integer i = otherIndex.get(word);
            if (i == null) {
                throw new IllegalArgumentException("token " + word + " is not a non-trigger word of the language");
            }
            return successors[i].clone();
        }

        /** One sequence of {@code length} ids, {@code <s>} first. */
        long[] sample(SplittableRandom rng, int length) {
            long[] x = new long[length];
            x[0] = bos;
            if (length > 1) {
                x[1] = others[rng.nextInt(others.length)];
            }
            for (int t = 1; t + 1 < length; t++) {
                if (isTrigger(x[t])) {
                    x[t + 1] = x[t - 1];
                } else if (x[t] == bos) {
                    x[t + 1] = others[rng.nextInt(others.length)];
                } else if (bosShare > 0 && rng.nextDouble() < bosShare) { // no draw at 0: the unpacked language's stream is unchanged
                    x[t + 1] = bos;
                } else if (rng.nextDouble() < copyShare) {
                    x[t + 1] = triggers[rng.nextInt(triggers.length)];
                } else {
                    long[] s = successors[otherIndex.get(x[t])];
                    x[t + 1] = rng.nextInt(4) < 3 ? s[0] : s[1];
                }
            }
            return x;
        }
    }

    private final Recipe recipe;
    private final Language language;
    private final long pad;
    private final long bos;
    private final java.util.function.Function<SplittableRandom, Text> scenes;
    private final List<Text> heldOutScenes;

    TextPretraining(Recipe recipe, WordLevelTokenizer tok) {
        this(recipe, tok, null, List.of());
    }

    /** With scene texts: {@code scenes} draws a training scene's text, {@code heldOutScenes} are the monitor's. */
    TextPretraining(Recipe recipe, WordLevelTokenizer tok, java.util.function.Function<SplittableRandom, Text> scenes, List<Text> heldOutScenes) {
        this.recipe = recipe;
        this.language = new Language(tok, recipe.seed(), recipe.textCopyShare(), recipe.textBosShare());
        this.pad = tok.padId();
        this.bos = tok.bosId();
        this.scenes = recipe.textSceneShare() > 0 ? java.util.Objects.requireNonNull(scenes, "scene texts") : null;
        this.heldOutScenes = List.copyOf(heldOutScenes);
    }

    /** Sequences of the language per step, the rest of {@code textBatch} are scene texts. */
    int languageBatch() {
        return scenes == null ? recipe.textBatch() : (int) Math.round(recipe.textBatch() * (1 - recipe.textSceneShare()));
    }

    /** The token embedding table's parameter name. */
    static final String EMBEDDINGS = "language_model.model.embed_tokens.weight";

    /** Parameters stage 0 trains: the language model's, less the token embeddings when they are frozen. */
    static Map<String, NDArray> trainable(Llava model, boolean freezeEmbeddings) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> {
            if (name.startsWith("language_model.") && !(freezeEmbeddings && name.equals(EMBEDDINGS))) {
                params.put(name, p);
            }
        });
        return params;
    }

    /**
     * The optimizer of a parameter: AdamW with decoupled weight decay {@code weightDecay} for weight matrices when it
     * is above 0, plain Adam for the token embeddings, norm gains and vectors (and for everything when it is 0);
     * {@code lr} gives the rate.
     */
    static java.util.function.Function<String, Optimizer> optimizers(Map<String, NDArray> params, double weightDecay,
                                                                  ai.djl.training.tracker.ParameterTracker lr) {
        Optimizer plain = Optimizer.adam().optLearningRateTracker(lr).build();
        if (weightDecay <= 0) {
            return name -> plain;
        }
        Optimizer decayed = Optimizer.adamW().optLearningRateTracker(lr).optWeightDecays((float) weightDecay).build();
        return name -> params.get(name).getShape().dimension() >= 2 && !name.equals(EMBEDDINGS) ? decayed : plain;
    }

    Language language() {
        return language;
    }

    /** Trains the language model of {@code model} (its vision tower and projector are untouched). */
    List<Point> train(Llava model, int logEvery, Consumer<String> log) {
        LlamaModel lm = model.language();
        int steps = recipe.textSteps();
        long t0 = System.nanoTime();
        Map<String, NDArray> params = trainable(model, recipe.freezeEmbeddings());
        boolean bosRowFrozen = recipe.freezeBosEmbedding() && params.containsKey(EMBEDDINGS);
        params.values().forEach(p -> p.setRequiresGradient(true));
        int[] step = {0};
        var adam = optimizers(params, recipe.textWeightDecay(), (name, n) -> (float) recipe.textLearningRate(step[0]));
        SplittableRandom rng = new SplittableRandom(recipe.seed() ^ 0x7e47L);
        long[] monitor = monitorIds();
        List<Point> curve = new ArrayList<>();
        double lossSum = 0;
        int since = 0;
        for (; step[0] < steps; step[0]++) {
            try (NDManager m = model.newSampleManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = batchLoss(m, lm, rng);
                    gc.backward(loss);
                    float v = loss.getFloat();
                    lossSum += Float.isFinite(v) ? v : 0;
                }
            }
            if (bosRowFrozen) {
                // Adam's moments of a row whose gradient is always 0 stay 0, so the row does not move (no decay on embeddings)
                try (NDArray g = params.get(EMBEDDINGS).getGradient()) {
                    g.set(new NDIndex(bos), 0f);
                }
            }
            if (!OptimizerStep.apply(params, adam)) {
                log.accept("text step " + (step[0] + 1) + ": non-finite gradient, update skipped");
            }
            since++;
            if ((step[0] + 1) % logEvery == 0 || step[0] + 1 == steps) {
                Point p = monitor(lm, model, monitor, step[0] + 1, lossSum / since, (System.nanoTime() - t0) / 1e9);
                curve.add(p);
                log.accept(String.format(Locale.ROOT, "text step %5d  loss %.4f  held-out %.4f  copy acc %.3f  scene acc %.3f  lr %.2e  BOS phi %s "
                        + "dim %s  attn on BOS %s  BOS value ratio %s  %.0f s", p.step(), p.loss(), p.heldOutLoss(), p.copyAccuracy(), p.sceneAccuracy(),
                        recipe.textLearningRate(step[0]), fmt(p.bosPhi()), fmt(p.bosDim()), fmt(p.bosAttention()), fmt(p.bosValueRatio()), p.seconds()));
                lossSum = 0;
                since = 0;
            }
        }
        params.values().forEach(p -> p.setRequiresGradient(false));
        return curve;
    }

    /** One training batch's loss: the language's sequences, plus the scene texts' answer loss when the recipe mixes them in. */
    NDArray batchLoss(NDManager m, LlamaModel lm, SplittableRandom rng) {
        int length = recipe.textLength();
        int b = languageBatch();
        NDArray loss = null;
        if (b > 0) {
            long[] ids = new long[b * length];
            for (int i = 0; i < b; i++) {
                System.arraycopy(language.sample(rng, length), 0, ids, i * length, length);
            }
            loss = loss(m, logits(m, lm, ids, b, length, null), ids, b, length);
        }
        int n = recipe.textBatch() - b;
        if (scenes != null && n > 0) {
            List<Text> texts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                texts.add(scenes.apply(rng));
            }
            NDArray sceneLoss = sceneLoss(m, lm, texts, null);
            loss = loss == null ? sceneLoss : loss.add(sceneLoss);
        }
        return loss;
    }

    /** Mean cross-entropy over the texts' target positions (texts right-padded to the longest); {@code correct} (when given) gets {right, total} of the argmax. */
    private NDArray sceneLoss(NDManager m, LlamaModel lm, List<Text> texts, int[] correct) {
        int s = texts.stream().mapToInt(t -> t.ids().length).max().orElseThrow();
        long[] ids = new long[texts.size() * s];
        java.util.Arrays.fill(ids, pad);
        List<Long> rows = new ArrayList<>();
        List<Long> next = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            Text t = texts.get(i);
            System.arraycopy(t.ids(), 0, ids, i * s, t.ids().length);
            for (int p = 0; p + 1 < t.ids().length; p++) {
                if (t.target()[p]) {
                    rows.add((long) i * s + p);
                    next.add(t.ids()[p + 1]);
                }
            }
        }
        NDArray logits = logits(m, lm, ids, texts.size(), s, null).get(m.create(rows.stream().mapToLong(Long::longValue).toArray()));
        int vocab = (int) logits.getShape().get(1);
        float[] onehot = new float[next.size() * vocab];
        for (int k = 0; k < next.size(); k++) {
            onehot[k * vocab + next.get(k).intValue()] = 1;
        }
        if (correct != null) {
            long[] argmax = logits.argMax(-1).toLongArray();
            for (int k = 0; k < argmax.length; k++) {
                correct[0] += argmax[k] == next.get(k) ? 1 : 0;
            }
            correct[1] += argmax.length;
        }
        return logits.logSoftmax(-1).mul(m.create(onehot, new Shape(next.size(), vocab))).sum().neg().div(next.size());
    }

    /**
     * The sink dimensions read off BOS after this stage, as the paper's code fixes them from the base LLM: the dims
     * {@code d} whose {@code |x_d| / RMS(x)} at BOS (mean over the monitor's sequences) exceeds {@code tau} entering
     * some layer {@code l >= min(2, L - 1)}, in decreasing order of that value; when none does, the two largest.
     */
    int[] sinkDimensions(Llava model, double tau) {
        LlamaModel lm = model.language();
        int from = Math.min(2, lm.numLayers() - 1);
        float[] best;
        try (NDManager m = model.newSampleManager(); NDScope scope = new NDScope(); Capture cap = new Capture(m, true, false)) {
            scope.suppressNotUsedWarning();
            logits(m, lm, monitorIds(), MONITOR_SEQUENCES, recipe.textLength(), cap);
            NDArray max = null;
            for (int l = from; l < lm.numLayers(); l++) {
                NDArray bos = cap.layerInputs().get(l).get(new NDIndex(":, 0, :")); // [B, D]
                NDArray ratio = bos.abs().mul(NDArrays.div(1f, bos.square().mean(new int[] {-1}, true).add(1e-6f).sqrt())).mean(new int[] {0});
                max = max == null ? ratio : max.maximum(ratio);
            }
            best = max.toFloatArray();
        }
        Integer[] order = new Integer[best.length];
        for (int d = 0; d < order.length; d++) {
            order[d] = d;
        }
        java.util.Arrays.sort(order, (x, y) -> Float.compare(best[y], best[x]));
        List<Integer> dims = new ArrayList<>();
        for (Integer d : order) {
            if (best[d] > tau) {
                dims.add(d);
            }
        }
        if (dims.isEmpty()) {
            dims.add(order[0]);
            dims.add(order[1]);
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The monitor's fixed held-out sequences of the language, {@code [MONITOR_SEQUENCES * textLength]}. */
    private long[] monitorIds() {
        int length = recipe.textLength();
        SplittableRandom monitorRng = new SplittableRandom(~recipe.seed());
        long[] monitor = new long[MONITOR_SEQUENCES * length];
        for (int i = 0; i < MONITOR_SEQUENCES; i++) {
            System.arraycopy(language.sample(monitorRng, length), 0, monitor, i * length, length);
        }
        return monitor;
    }

    static String fmt(int[] a) {
        return java.util.Arrays.toString(a).replace(",", "");
    }

    static String fmt(double[] a) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", a[i]));
        }
        return sb.append(']').toString();
    }

    /** Logits {@code [B * S, V]} of a right-aligned batch of {@code B} sequences of length {@code S}, no image. */
    static NDArray logits(NDManager m, LlamaModel lm, long[] ids, int b, int s, AttentionHook hook) {
        NDArray embeds = lm.embed(m.create(ids, new Shape(b, s)));
        embeds.attach(m);
        try (KvCache cache = new KvCache(lm.numLayers())) {
            NDArray hidden = lm.layers(embeds, cache, new ForwardStep(-1, 0, s, -1, -1, lm.numLayers()), hook);
            return lm.logits(lm.norm(hidden.reshape(b * s, -1)));
        }
    }

    /** The mean next-token cross-entropy over positions {@code 0..S-2} of every sequence (a scalar), from {@code logits [B * S, V]}. */
    static NDArray loss(NDManager m, NDArray logits, long[] ids, int b, int s) {
        int vocab = (int) logits.getShape().get(1);
        float[] onehot = new float[b * s * vocab];
        for (int i = 0; i < b; i++) {
            for (int t = 0; t + 1 < s; t++) {
                onehot[(i * s + t) * vocab + (int) ids[i * s + t + 1]] = 1;
            }
        }
        return logits.logSoftmax(-1).mul(m.create(onehot, new Shape(b * s, vocab))).sum().neg().div(b * (s - 1));
    }

    private Point monitor(LlamaModel lm, Llava model, long[] ids, int step, double trainLoss, double seconds) {
        int b = MONITOR_SEQUENCES;
        int s = recipe.textLength();
        int layers = lm.numLayers();
        double[] phi = new double[layers];
        int[] dim = new int[layers];
        double[] attn = new double[layers];
        double[] value = new double[layers];
        double held;
        int right = 0;
        int copies = 0;
        try (NDManager m = model.newSampleManager(); NDScope scope = new NDScope(); Capture cap = new Capture(m, true, true)) {
            scope.suppressNotUsedWarning();
            NDArray logits = logits(m, lm, ids, b, s, cap);
            held = loss(m, logits, ids, b, s).getFloat();
            long[] argmax = logits.argMax(-1).toLongArray();
            for (int i = 0; i < b; i++) {
                for (int t = 1; t + 1 < s; t++) {
                    if (language.isTrigger(ids[i * s + t])) {
                        copies++;
                        right += argmax[i * s + t] == ids[i * s + t + 1] ? 1 : 0;
                    }
                }
            }
            for (int l = 0; l < layers; l++) {
                NDArray bos = cap.layerInputs().get(l).get(new NDIndex(":, 0, :")); // [B, D]
                NDArray ratio = bos.abs().mul(NDArrays.div(1f, bos.square().mean(new int[] {-1}, true).add(1e-6f).sqrt()));
                phi[l] = ratio.max(new int[] {1}).mean().getFloat();
                dim[l] = (int) ratio.mean(new int[] {0}).argMax().getLong();
                // [B, H, S, S] -> queries 1.. on key 0, mean per head, the most BOS-bound head
                attn[l] = cap.attentions().get(l).get(new NDIndex(":, :, 1:, 0")).mean(new int[] {2}).mean(new int[] {0}).max().getFloat();
                value[l] = valueRatio(model, l, cap.layerInputs().get(l));
            }
        }
        double sceneAcc = Double.NaN;
        if (!heldOutScenes.isEmpty()) {
            int[] correct = new int[2];
            try (NDManager m = model.newSampleManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                sceneLoss(m, lm, heldOutScenes, correct);
            }
            sceneAcc = (double) correct[0] / correct[1];
        }
        return new Point(step, trainLoss, held, copies == 0 ? Double.NaN : (double) right / copies, sceneAcc, phi, dim, attn, value, seconds);
    }

    /** {@code ||v(BOS)|| / mean_{t >= 1} ||v(x_t)||}, {@code v(x) = W_v (g * x / RMS(x))}, over a layer's input {@code [B, S, D]}. */
    private static double valueRatio(Llava model, int layer, NDArray h) {
        String prefix = "language_model.model.layers." + layer + ".";
        NDArray g = model.parameters().get(prefix + "input_layernorm.weight");
        NDArray wv = model.parameters().get(prefix + "self_attn.v_proj.weight"); // [KV * Dh, D]
        NDArray normed = h.mul(NDArrays.div(1f, h.square().mean(new int[] {-1}, true).add(1e-5f).sqrt())).mul(g);
        NDArray norms = normed.matMul(wv.transpose()).square().sum(new int[] {-1}).sqrt(); // [B, S]
        return norms.get(new NDIndex(":, 0")).mean().getFloat() / norms.get(new NDIndex(":, 1:")).mean().getFloat();
    }
}
