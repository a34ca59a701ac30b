package sinkscope.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TEST DOUBLE, not a model: a deterministic {@link SampleRunner} whose rows depend on the sample's image bytes
 * and question (seeded by their hash), so partitioning, retries and resume can be checked without LLaVA.
 *
 * <p>An "image" is any file starting with the PNG signature; anything else is refused as a non-image, a
 * missing file as missing. 4 layers, 2 heads, hidden size 32, a 4x4 image grid (16 image tokens) after BOS and
 * a 2-token prefix, then one text token per question word. Tokens at a few image positions picked by the hash
 * are sinks from layer 1 on, massive in dims {@link #SINK_DIMS}. Values are multiples of 1/1024 so Spark's sums
 * are exact in any order. Answers: "Yes, ..." or "No, ..." from the hash; config ablate_random answers
 * "I cannot tell." for a third of the samples (parsed as other). Other tasks: a multiple-choice question gets one of
 * "A", "B.", "(C)", "D" from the hash, an open one one of {@link #OPEN_ANSWERS}, a caption one of {@link #CAPTIONS}.
 */
public final class FakeSampleRunner implements SampleRunner {
    public static final int LAYERS = 4;
    public static final int HEADS = 2;
    public static final int HIDDEN = 32;
    public static final int GRID = 4;
    public static final int[] SINK_DIMS = {7, 19};
    public static final String[] OPEN_ANSWERS = {"red", "Blue.", "two", "a square"};
    public static final String[] CAPTIONS = {"A red circle.", "Two stars and a circle", "a square"};
    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** Calls to {@link #extract} in this JVM (all runners). */
    public static final AtomicInteger EXTRACTS = new AtomicInteger();

    private final RunnerSpec spec;
    private volatile boolean closed;

    public FakeSampleRunner(RunnerSpec spec) {
        this.spec = spec;
    }

    private static float q(double v) {
        return (float) (Math.round(v * 1024) / 1024.0);
    }

    private long seed(SampleInput s) throws SampleException {
        byte[] bytes = s.imageBytes();
        if (bytes == null) {
            try {
                bytes = Files.readAllBytes(sinkscope.data.Storage.path(s.imagePath()));
            } catch (NoSuchFileException e) {
                throw new SampleException("image", "missing image file " + s.imagePath());
            } catch (IOException e) {
                throw new SampleException("image", "cannot read " + s.imagePath() + ": " + e.getMessage());
            }
        }
        if (bytes.length < PNG.length || !Arrays.equals(Arrays.copyOf(bytes, PNG.length), PNG)) {
            throw new SampleException("image", "not an image: " + (s.imagePath() != null ? s.imagePath() : s.describe()));
        }
        return Arrays.hashCode(bytes) * 31L + s.question().hashCode();
    }

    @Override
    public ExtractResult extract(SampleInput s, ExtractOptions options) throws SampleException {
        if (closed) {
            throw new IllegalStateException("runner closed");
        }
        EXTRACTS.incrementAndGet();
        Random rnd = new Random(seed(s));
        int image = GRID * GRID;
        int first = 3;
        int text = s.question().trim().split("\\s+").length;
        int seq = first + image + text;
        boolean[] sinkPatch = new boolean[image];
        for (int k = 0; k < 1 + rnd.nextInt(3); k++) {
            sinkPatch[rnd.nextInt(image)] = true;
        }
        List<ExtractResult.TokenRow> tokens = new ArrayList<>();
        List<ExtractResult.HeadRow> heads = new ArrayList<>();
        List<ExtractResult.DimRow> dims = new ArrayList<>();
        List<ExtractResult.AttentionRow> attention = new ArrayList<>();
        for (int layer = 0; layer < LAYERS; layer++) {
            for (int pos = 0; pos < seq; pos++) {
                String modality = pos == 0 ? ExtractResult.BOS : pos >= first && pos < first + image ? ExtractResult.IMAGE : ExtractResult.TEXT;
                boolean massive = layer >= 1 && (pos == 0 || modality.equals(ExtractResult.IMAGE) && sinkPatch[pos - first]);
                float phi = massive ? q(40 + rnd.nextInt(40)) : q(rnd.nextDouble() * 5);
                tokens.add(new ExtractResult.TokenRow(layer, pos, modality, phi, phi > spec.tau()));
            }
            int sinks = 0;
            for (boolean b : sinkPatch) {
                sinks += b ? 1 : 0;
            }
            if (layer >= 1) {
                for (int d : SINK_DIMS) {
                    dims.add(new ExtractResult.DimRow(layer, d, sinks, q(50 + layer), (50.0 + layer) * sinks));
                }
                if (rnd.nextInt(4) == 0) {
                    dims.add(new ExtractResult.DimRow(layer, rnd.nextInt(HIDDEN), 1, q(options.dimFloor() + 1), q(options.dimFloor() + 1)));
                }
            }
            for (int h = 0; h < HEADS; h++) {
                for (String query : new String[] {ExtractResult.QUERY_LAST, ExtractResult.QUERY_TEXT_MEAN}) {
                    float img = q(rnd.nextDouble() * 0.5);
                    float vs = q(rnd.nextDouble());
                    heads.add(new ExtractResult.HeadRow(layer, h, query, img, vs, q(rnd.nextDouble() * 0.3),
                            img >= options.summ() && vs <= options.rho()));
                }
            }
            if (options.attentionLayers().contains(layer)) {
                float[] w = new float[image];
                List<Integer> sp = new ArrayList<>();
                for (int i = 0; i < image; i++) {
                    w[i] = q(rnd.nextDouble() / image);
                    if (sinkPatch[i] && layer >= 1) {
                        sp.add(i);
                    }
                }
                attention.add(new ExtractResult.AttentionRow(layer, 0, GRID, GRID, w, sp.stream().mapToInt(Integer::intValue).toArray(), new double[] {0, 0, 1, 1}));
            }
        }
        return new ExtractResult(image, seq, 1, tokens, heads, dims, attention);
    }

    @Override
    public Prediction predict(SampleInput s, EvalConfig config, java.util.List<Integer> attentionLayers) throws SampleException {
        long seed = seed(s);
        Random rnd = new Random(seed ^ config.name().hashCode());
        String answer;
        String task = s.task() == null ? "yes_no" : s.task();
        if (task.equals("choice")) {
            answer = new String[] {"A", "B.", "(C)", "D"}[rnd.nextInt(4)];
        } else if (task.equals("open")) {
            answer = OPEN_ANSWERS[rnd.nextInt(OPEN_ANSWERS.length)];
        } else if (task.equals("caption")) {
            answer = CAPTIONS[rnd.nextInt(CAPTIONS.length)];
        } else if (config.kind().equals("ablate_random") && Math.floorMod(seed, 3) == 0) {
            answer = "I cannot tell.";
        } else {
            answer = rnd.nextBoolean() ? "Yes, there is one in the image." : "No, there is not.";
        }
        float[] grounding = new float[LAYERS];
        float[] objectShare = new float[LAYERS];
        for (int l = 0; l < LAYERS; l++) {
            grounding[l] = q(rnd.nextDouble());
            objectShare[l] = q(rnd.nextDouble());
        }
        return new Prediction(answer, 1, grounding, objectShare, null);
    }

    @Override
    public void close() {
        closed = true;
    }
}
