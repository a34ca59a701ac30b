package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * The forms a decode row takes: {@link RmsNorm} of one row ({@code layer_norm} of {@code [x; -x]}) against the formula
 * in double, massive activations included, and an update through {@link RmsNorm#weight()} reaching it;
 * {@link RotaryEmbedding#perHead}'s one product against the elementwise rotary, q scaled, v passed through exactly.
 */
class SingleRowFormsTest {

    @Test
    void rmsNormOfOneRowIsTheFormula() {
        Torch.configure(1);
        int d = 64;
        java.util.Random r = new java.util.Random(3);
        float[] x = new float[3 * d];
        float[] w = new float[d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        x[7] = 3000; // a sink dimension's massive value
        x[d + 20] = -500;
        for (int i = 0; i < d; i++) {
            w[i] = (float) (1 + 0.5 * r.nextGaussian());
        }
        try (NDManager m = NDManager.newBaseManager()) {
            RmsNorm norm = RmsNorm.of(m.create(w), 1e-6);
            NDArray rows = m.create(x, new Shape(3, 1, d));
            NDArray single = norm.forward(rows);
            assertEquals(new Shape(3, 1, d), single.getShape());
            float[] got = single.toFloatArray();
            // the general form (several rows) on the same numbers
            float[] general = norm.forward(rows.reshape(1, 3, d)).toFloatArray();
            for (int b = 0; b < 3; b++) {
                double ms = 0;
                double max = 0;
                for (int i = 0; i < d; i++) {
                    ms += (double) x[b * d + i] * x[b * d + i];
                    max = Math.max(max, Math.abs(x[b * d + i]));
                }
                double rms = Math.sqrt(ms / d + 1e-6);
                for (int i = 0; i < d; i++) {
                    double want = w[i] * x[b * d + i] / rms;
                    // the general form within float32 rounding; the single-row form also shifts every element by the
                    // rounding of the pair's mean (0 exactly), a few ulps of the row's largest element
                    assertEquals(want, general[b * d + i], 1e-6 * Math.abs(want) + 1e-6 * Math.abs(w[i]), "general form, row " + b + " dim " + i);
                    assertEquals(want, got[b * d + i], 1e-6 * Math.abs(want) + 1e-6 * Math.abs(w[i]) * max / rms, "row " + b + " dim " + i);
                }
            }
            norm.weight().muli(m.create(2f));
            float[] doubled = norm.forward(rows).toFloatArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(2 * got[i], doubled[i], 1e-6 * Math.abs(got[i]) + 1e-7, "an update through weight() reaches the single-row form");
            }
        }
    }

    @Test
    void perHeadProductRotatesScalesAndPassesValuesThrough() {
        Torch.configure(1);
        int d = 8;
        int heads = 4;
        int kv = 2;
        try (NDManager m = NDManager.newBaseManager()) {
            RotaryEmbedding rope = new RotaryEmbedding(m, d, 10000, 64, DataType.FLOAT32);
            NDArray scale = m.create((float) Math.sqrt(d));
            NDArray x = m.randomNormal(new Shape(2, heads + 2 * kv, 1, d));
            // one position for the whole batch, then one per row
            RotaryEmbedding.Rows[] rows = {rope.rows(37, 1), rope.rows(m, new long[][] {{37}, {5}})};
            for (RotaryEmbedding.Rows row : rows) {
                RotaryEmbedding.Rows per = rope.perHead(row, heads, kv, scale);
                assertTrue(per.heads() != null);
                float[] got = x.matMul(per.heads()).toFloatArray();
                NDArray elementwise = new RotaryEmbedding.Rows(row.cos(), row.sin()).apply(x);
                float[] q = Torch.narrow(elementwise, 1, 0, heads).div(scale).toFloatArray();
                float[] k = Torch.narrow(elementwise, 1, heads, heads + kv).toFloatArray();
                float[] v = Torch.narrow(x, 1, heads + kv, heads + 2 * kv).toFloatArray();
                NDArray out = m.create(got, new Shape(2, heads + 2 * kv, 1, d));
                assertArrayEquals(q, Torch.narrow(out, 1, 0, heads).toFloatArray(), 1e-6f, "q rotated and scaled");
                assertArrayEquals(k, Torch.narrow(out, 1, heads, heads + kv).toFloatArray(), 1e-6f, "k rotated");
                assertArrayEquals(v, Torch.narrow(out, 1, heads + kv, heads + 2 * kv).toFloatArray(), 0f, "v exactly as it was");
            }
        }
    }
}
