package sinkscope.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import sinkscope.data.Storage;
import sinkscope.spark.DeviceAssignment;
import sinkscope.spark.EvalConfig;
import sinkscope.spark.ExtractOptions;
import sinkscope.spark.ExtractResult;
import sinkscope.spark.Prediction;
import sinkscope.spark.RunnerSpec;
import sinkscope.spark.SampleException;
import sinkscope.spark.SampleInput;
import sinkscope.spark.SampleRunner;
import sinkscope.spark.SampleRunnerFactory;

/**
 * No model: runners that read each sample's image file (through {@link Storage}) and emit result rows of a fixed shape,
 * {@link #LAYERS} layers x (1 BOS + {@link #GRID}x{@link #GRID} image + 2 + one per question word) tokens, {@link #HEADS}
 * heads, values drawn from a generator seeded by the image bytes and the question (so Parquet sees realistic, poorly
 * compressible floats: a conservative bytes-per-row figure). Lets {@link ScaleBench} measure the pipeline's own cost and
 * table sizes at tens of thousands of samples in minutes. Sinks: the BOS token and 1 to 3 image tokens from layer 2 on.
 */
public final class ShapeRunnerFactory implements SampleRunnerFactory {
    private static final long serialVersionUID = 1L;
    static final int LAYERS = 8;
    static final int GRID = 8;
    static final int HEADS = 4;
    static final int HIDDEN = 64;
    static final int[] SINK_DIMS = {7, 19};

    @Override
    public SampleRunner create(RunnerSpec spec, DeviceAssignment device) {
        return new Runner(Double.isNaN(spec.tau()) || spec.tau() <= 0 ? 20 : spec.tau());
    }

    private static final class Runner implements SampleRunner {
        private final double tau;

        Runner(double tau) {
            this.tau = tau;
        }

        private static long seed(SampleInput s) throws SampleException {
            byte[] bytes = s.imageBytes();
            if (bytes == null) {
                try {
                    bytes = Files.readAllBytes(Storage.path(s.imagePath()));
                } catch (IOException e) {
                    throw new SampleException("image", "cannot read " + s.imagePath() + ": " + e.getMessage());
                }
            }
            return java.util.Arrays.hashCode(bytes) * 31L + s.question().hashCode();
        }

        @Override
        public ExtractResult extract(SampleInput s, ExtractOptions options) throws SampleException {
            SplittableRandom rnd = new SplittableRandom(seed(s));
            int image = GRID * GRID;
            int first = 1;
            int seq = first + image + 2 + s.question().trim().split("\\s+").length;
            boolean[] sink = new boolean[image];
            for (int k = 0; k < 1 + rnd.nextInt(3); k++) {
                sink[rnd.nextInt(image)] = true;
            }
            List<ExtractResult.TokenRow> tokens = new ArrayList<>(LAYERS * seq);
            List<ExtractResult.HeadRow> heads = new ArrayList<>();
            List<ExtractResult.DimRow> dims = new ArrayList<>();
            List<ExtractResult.AttentionRow> attention = new ArrayList<>();
            for (int layer = 0; layer < LAYERS; layer++) {
                int sinks = 0;
                for (int pos = 0; pos < seq; pos++) {
                    boolean isImage = pos >= first && pos < first + image;
                    String modality = pos == 0 ? ExtractResult.BOS : isImage ? ExtractResult.IMAGE : ExtractResult.TEXT;
                    boolean massive = layer >= 2 && (pos == 0 || isImage && sink[pos - first]);
                    float phi = (float) (massive ? 40 + 40 * rnd.nextDouble() : 5 * rnd.nextDouble());
                    sinks += massive && isImage ? 1 : 0;
                    tokens.add(new ExtractResult.TokenRow(layer, pos, modality, phi, phi > tau));
                }
                if (layer >= 2) {
                    for (int d : SINK_DIMS) {
                        dims.add(new ExtractResult.DimRow(layer, d, sinks, 50f + layer, (50.0 + layer) * sinks));
                    }
                }
                for (int h = 0; h < HEADS; h++) {
                    for (String query : new String[] {ExtractResult.QUERY_LAST, ExtractResult.QUERY_TEXT_MEAN}) {
                        float img = (float) (0.5 * rnd.nextDouble());
                        float vs = (float) rnd.nextDouble();
                        heads.add(new ExtractResult.HeadRow(layer, h, query, img, vs, (float) (0.3 * rnd.nextDouble()),
                                img >= options.summ() && vs <= options.rho()));
                    }
                }
                if (options.attentionLayers().contains(layer)) {
                    float[] w = new float[image];
                    for (int i = 0; i < image; i++) {
                        w[i] = (float) (rnd.nextDouble() / image);
                    }
                    attention.add(new ExtractResult.AttentionRow(layer, 0, GRID, GRID, w, new int[0], new double[] {0, 0, 1, 1}));
                }
            }
            return new ExtractResult(image, seq, 0, tokens, heads, dims, attention);
        }

        @Override
        public Prediction predict(SampleInput s, EvalConfig config, List<Integer> attentionLayers) throws SampleException {
            SplittableRandom rnd = new SplittableRandom(seed(s) ^ config.name().hashCode());
            float[] byLayer = new float[LAYERS];
            for (int l = 0; l < LAYERS; l++) {
                byLayer[l] = (float) rnd.nextDouble();
            }
            return new Prediction(rnd.nextBoolean() ? "Yes" : "No", 0, byLayer);
        }

        @Override
        public void close() {}
    }
}
