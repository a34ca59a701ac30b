package sinkscope.model.decoding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.SplittableRandom;

/**
 * The random numbers of one sample's decoding and noise: uniform draws for sampling, standard normal draws for VCD's
 * diffusion noise. {@link #seeded(long)} makes them for real runs; {@link #replay} feeds back what a reference run
 * recorded, so a sampled generation or a noised image can be compared token for token with it.
 *
 * <p>A categorical draw ({@link #pick}) is the inverse CDF in vocabulary order: the first id whose cumulative
 * probability exceeds {@code u * total} for one uniform {@code u in [0, 1)} (never an id of probability 0).
 */
public interface Draws {

    /** The next uniform draw in {@code [0, 1)}. */
    double uniform();

    /** The next {@code n} standard normal draws. */
    float[] gaussian(int n);

    /** One id drawn from {@code probs} [V] (float32, non-negative, not necessarily normalised). */
    default long pick(NDArray probs) {
        double u = uniform();
        try (NDArray cum = probs.toType(DataType.FLOAT64, false).cumSum(0)) {
            long v = cum.getShape().get(0);
            double total = cum.get(v - 1).getDouble();
            if (!(total > 0) || !Double.isFinite(total)) {
                throw new IllegalArgumentException("cannot sample from probabilities summing to " + total);
            }
            try (NDArray below = cum.lte(u * total)) {
                return Math.min(below.sum().toType(DataType.INT64, false).getLong(), v - 1);
            }
        }
    }

    /** A source seeded for reproducible runs ({@link SplittableRandom}: uniforms, and normals by Box–Muller). */
    static Draws seeded(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return new Draws() {
            @Override
            public double uniform() {
                return random.nextDouble();
            }

            @Override
            public float[] gaussian(int n) {
                float[] out = new float[n];
                for (int i = 0; i < n; i += 2) {
                    double r = Math.sqrt(-2 * Math.log(1 - random.nextDouble()));
                    double phi = 2 * Math.PI * random.nextDouble();
                    out[i] = (float) (r * Math.cos(phi));
                    if (i + 1 < n) {
                        out[i + 1] = (float) (r * Math.sin(phi));
                    }
                }
                return out;
            }
        };
    }

    /**
     * Recorded draws: {@code uniforms} in the order the sampler asks for them, {@code normals} in the order the noise
     * asks for them, and optionally {@code tokens}, the ids a reference run drew (then {@link #pick} returns them in
     * order, refusing one of probability 0). Running out of any of them is an error naming which.
     */
    static Draws replay(double[] uniforms, float[] normals, long[] tokens) {
        return new Draws() {
            private int u;
            private int g;
            private int t;

            @Override
            public double uniform() {
                if (uniforms == null || u >= uniforms.length) {
                    throw new IllegalStateException("replayed draws: no uniform draw " + u + " recorded");
                }
                return uniforms[u++];
            }

            @Override
            public float[] gaussian(int n) {
                if (normals == null || g + n > normals.length) {
                    throw new IllegalStateException("replayed draws: " + n + " normal draws asked at " + g + ", "
                            + (normals == null ? 0 : normals.length) + " recorded");
                }
                float[] out = java.util.Arrays.copyOfRange(normals, g, g + n);
                g += n;
                return out;
            }

            @Override
            public long pick(NDArray probs) {
                if (tokens == null) {
                    return Draws.super.pick(probs);
                }
                if (t >= tokens.length) {
                    throw new IllegalStateException("replayed draws: no token " + t + " recorded");
                }
                long id = tokens[t++];
                if (id < 0 || id >= probs.getShape().get(0) || !(probs.get(id).toType(DataType.FLOAT32, false).getFloat() > 0)) {
                    throw new IllegalStateException("replayed draws: recorded token " + id + " (draw " + (t - 1) + ") has probability 0 here");
                }
                return id;
            }
        };
    }
}
