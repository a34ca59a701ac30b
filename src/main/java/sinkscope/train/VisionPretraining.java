package sinkscope.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
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
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import sinkscope.data.Question;
import sinkscope.data.SyntheticBenchmark;
import sinkscope.data.SyntheticScene;
import sinkscope.model.llava.Llava;

/**
 * Stage 1 of the reference recipe, in the place of CLIP's pretraining: the vision tower learns to see the
 * benchmark's objects before the language model is trained on top of it (LLaVA-1.5 starts from a pretrained,
 * frozen CLIP; a model trained from scratch has none).
 *
 * <p>A linear probe {@code (W [Dv, C], b [C])} reads every patch token {@code h_p} of the features the projector
 * will read (hidden state {@code vision_feature_layer}, CLS dropped) and predicts which of the {@code C} object
 * classes cover that patch:
 * {@code loss = mean_{image, p, c} [softplus(z_pc) - y_pc z_pc]}, {@code z_pc = h_p W_c + b_c}, with
 * {@code y_pc = 1} when an object of class {@code c} covers at least a quarter of patch {@code p} (its box, in the
 * patch grid of the square image). Adam, linear warmup then cosine decay. The probe is discarded afterwards; the
 * tower's weights stay in the model.
 *
 * <p>With {@code visionObjective cls} the probe reads the CLS token {@code h_0} of the same hidden state instead and
 * predicts which classes the image contains: {@code loss = mean_{image, c} [softplus(z_c) - y_c z_c]},
 * {@code z_c = h_0 W_c + b_c}, {@code y_c = 1} when an object of class {@code c} is in the scene. The patch tokens
 * get no target of their own (CLIP's and DINO's global objectives, under which large ViTs repurpose background patches
 * as high-norm tokens: Darcet et al., "Vision Transformers Need Registers", ICLR 2024).
 *
 * <p>Monitor: on the held-out images, a POPE question "is there a {@code c}?" is answered yes when
 * {@code max_p z_pc > 0} ({@code z_c > 0} with the CLS objective); its accuracy over every split is the curve's held-out
 * accuracy.
 */
final class VisionPretraining {
    /** Share of a patch an object's box must cover for the patch to be labelled with the object's class. */
    static final double COVER = 0.25;

    /** One point of the stage's curve. */
    record Point(int step, double loss, double heldOutAccuracy, double seconds) {}

    private final Recipe recipe;
    private final SyntheticBenchmark.Dataset dataset;
    private final int grid;
    private final int classes = SyntheticScene.classes();

    VisionPretraining(Recipe recipe, SyntheticBenchmark.Dataset dataset) {
        this.recipe = recipe;
        this.dataset = dataset;
        this.grid = recipe.imageSize() / recipe.patchSize();
    }

    /** Per-patch class targets of scene {@code index}, {@code [grid * grid * C]} row-major. */
    float[] targets(int index) {
        SyntheticScene scene = dataset.scenes().get(index);
        float[] y = new float[grid * grid * classes];
        double cell = (double) scene.size() / grid;
        for (SyntheticScene.SceneObject o : scene.objects()) {
            int[] b = o.box();
            for (int py = 0; py < grid; py++) {
                for (int px = 0; px < grid; px++) {
                    double w = Math.min((px + 1) * cell, b[2]) - Math.max(px * cell, b[0]);
                    double h = Math.min((py + 1) * cell, b[3]) - Math.max(py * cell, b[1]);
                    if (w > 0 && h > 0 && w * h >= COVER * cell * cell) {
                        y[(py * grid + px) * classes + o.classIndex()] = 1;
                    }
                }
            }
        }
        return y;
    }

    /** Image-level targets of scene {@code index}, {@code [C]}: 1 for each class with an object in the scene. */
    float[] imageTargets(int index) {
        float[] y = new float[classes];
        for (SyntheticScene.SceneObject o : dataset.scenes().get(index).objects()) {
            y[o.classIndex()] = 1;
        }
        return y;
    }

    /**
     * The object class covering each patch of a {@code grid x grid} patch grid most (row-major, as the image tokens),
     * -1 where no object's box covers {@link #COVER} of the patch: the words of a scene's text version.
     */
    static int[] patchClasses(SyntheticScene scene, int grid) {
        int[] out = new int[grid * grid];
        double[] best = new double[grid * grid];
        java.util.Arrays.fill(out, -1);
        double cell = (double) scene.size() / grid;
        for (SyntheticScene.SceneObject o : scene.objects()) {
            int[] b = o.box();
            for (int py = 0; py < grid; py++) {
                for (int px = 0; px < grid; px++) {
                    double w = Math.min((px + 1) * cell, b[2]) - Math.max(px * cell, b[0]);
                    double h = Math.min((py + 1) * cell, b[3]) - Math.max(py * cell, b[1]);
                    int p = py * grid + px;
                    if (w > 0 && h > 0 && w * h >= COVER * cell * cell && w * h > best[p]) {
                        best[p] = w * h;
                        out[p] = o.classIndex();
                    }
                }
            }
        }
        return out;
    }

    /** Trains the tower of {@code model} on the train images; {@code pixels} holds every scene's pixel values. */
    List<Point> train(Llava model, float[][] pixels, int logEvery, Consumer<String> log) {
        int steps = recipe.visionSteps();
        int batch = recipe.visionBatch();
        int size = recipe.imageSize();
        int patches = grid * grid;
        boolean cls = recipe.visionObjective().equals("cls");
        int perImage = cls ? classes : patches * classes;
        long t0 = System.nanoTime();
        Map<String, NDArray> params = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> {
            if (name.startsWith("vision_tower.")) {
                params.put(name, p);
            }
        });
        List<Point> curve = new ArrayList<>();
        try (NDManager probeManager = model.newSampleManager()) {
            int dv = (int) model.config().vision().hiddenSize();
            NDArray w = probeManager.randomNormal(0f, (float) recipe.initStd(), new Shape(dv, classes), DataType.FLOAT32);
            NDArray b = probeManager.zeros(new Shape(classes));
            params.put("probe.weight", w);
            params.put("probe.bias", b);
            params.values().forEach(p -> p.setRequiresGradient(true));
            int[] step = {0};
            Optimizer adam = Optimizer.adam().optLearningRateTracker((name, n) -> (float) recipe.visionLearningRate(step[0])).build();
            SplittableRandom rng = new SplittableRandom(recipe.seed() ^ 0x5eed);
            double lossSum = 0;
            int since = 0;
            for (; step[0] < steps; step[0]++) {
                float[] x = new float[batch * 3 * size * size];
                float[] y = new float[batch * perImage];
                for (int i = 0; i < batch; i++) {
                    int index = rng.nextInt(dataset.trainImages());
                    System.arraycopy(pixels[index], 0, x, i * 3 * size * size, 3 * size * size);
                    System.arraycopy(cls ? imageTargets(index) : targets(index), 0, y, i * perImage, perImage);
                }
                try (NDManager m = model.newSampleManager(); NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray z = logits(model, m, m.create(x, new Shape(batch, 3, size, size)), w, b, cls);
                        NDArray loss = softplus(z).sub(z.mul(m.create(y, z.getShape()))).mean();
                        gc.backward(loss);
                        lossSum += loss.getFloat();
                    }
                }
                for (Map.Entry<String, NDArray> e : params.entrySet()) {
                    NDArray g = e.getValue().getGradient();
                    adam.update(e.getKey(), e.getValue(), g);
                    g.set(new NDIndex("..."), 0f);
                    g.close();
                }
                since++;
                if ((step[0] + 1) % logEvery == 0 || step[0] + 1 == steps) {
                    Point p = new Point(step[0] + 1, lossSum / since, heldOutAccuracy(model, w, b, pixels), (System.nanoTime() - t0) / 1e9);
                    curve.add(p);
                    log.accept(String.format(Locale.ROOT, "vision step %5d  loss %.5f  lr %.2e  held-out probe acc %.3f  %.0f s", p.step(),
                            p.loss(), recipe.visionLearningRate(step[0]), p.heldOutAccuracy(), p.seconds()));
                    lossSum = 0;
                    since = 0;
                }
            }
            params.values().forEach(p -> p.setRequiresGradient(false));
        }
        return curve;
    }

    /**
     * The probe's logits: per patch token of the selected features {@code [B, N, C]}, or with {@code cls} on the CLS
     * token of the same hidden state {@code [B, C]}.
     */
    static NDArray logits(Llava model, NDManager m, NDArray pixels, NDArray w, NDArray b, boolean cls) {
        if (!cls) {
            return model.selectedVisionFeatures(m, pixels).matMul(w).add(b);
        }
        return model.visionHiddenStates(m, pixels).get(model.config().visionFeatureIndex()).get(new NDIndex(":, 0, :")).matMul(w).add(b);
    }

    /** {@code log(1 + e^z)}, computed as {@code max(z, 0) + log(1 + e^-|z|)} so that it never overflows. */
    private static NDArray softplus(NDArray z) {
        return z.maximum(0f).add(z.abs().neg().exp().add(1f).log());
    }

    /** POPE accuracy of the probe on the held-out images (present when some patch's logit is positive). */
    private double heldOutAccuracy(Llava model, NDArray w, NDArray b, float[][] pixels) {
        int first = dataset.trainImages();
        int images = dataset.scenes().size() - first;
        int size = recipe.imageSize();
        float[] present = new float[images * classes];
        int chunk = 64;
        for (int from = 0; from < images; from += chunk) {
            int n = Math.min(chunk, images - from);
            float[] x = new float[n * 3 * size * size];
            for (int i = 0; i < n; i++) {
                System.arraycopy(pixels[first + from + i], 0, x, i * 3 * size * size, 3 * size * size);
            }
            try (NDManager m = model.newSampleManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                boolean cls = recipe.visionObjective().equals("cls");
                NDArray z = logits(model, m, m.create(x, new Shape(n, 3, size, size)), w, b, cls);
                float[] zs = (cls ? z : z.max(new int[] {1})).toFloatArray();
                System.arraycopy(zs, 0, present, from * classes, n * classes);
            }
        }
        int right = 0;
        int total = 0;
        for (Question q : dataset.eval()) {
            if (SyntheticBenchmark.POPE_SPLITS.contains(q.category())) {
                int image = SyntheticBenchmark.imageIndex(q.image()) - first;
                boolean yes = present[image * classes + SyntheticScene.classIndex(q.object())] > 0;
                right += yes == "yes".equals(q.label()) ? 1 : 0;
                total++;
            }
        }
        return total == 0 ? Double.NaN : (double) right / total;
    }
}
