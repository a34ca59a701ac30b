package sinkscope.model.internvl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import sinkscope.model.Activations;
import sinkscope.model.LayerNorm;
import sinkscope.model.Linear;
import sinkscope.model.RmsNorm;
import sinkscope.model.Weights;

/**
 * InternViT ({@code InternVLVisionModel}) on tiles [T, 3, S, S]: patch conv (stride = patch, with bias), CLS
 * prepended, learned position embeddings added (no interpolation: every tile is {@code S x S}), then per layer
 * {@code h += lambda_1 * proj(attn(norm_before(h)))}, {@code h += lambda_2 * fc2(act(fc1(norm_after(h))))} with the
 * layer scales {@code lambda} per channel; attention scaled by {@code head_dim^-0.5}, q and k optionally RMS-normed over
 * the whole width before the heads split ({@code use_qk_norm}); {@code norm_type} {@code layer_norm} or
 * {@code rms_norm}. With {@code use_mean_pooling} (as released) the last hidden state has no final norm.
 */
public final class InternVisionModel {
    private final InternVlConfig.VisionConfig config;
    private final NDArray patchWeight; // [d, 3, p, p]
    private final NDArray patchBias; // [d]
    private final NDArray cls; // [d]
    private final NDArray positions; // [G*G + 1, d]
    private final Layer[] layers;
    private final Norm finalNorm; // null with use_mean_pooling

    /** LayerNorm or RMSNorm, as {@code norm_type} says. */
    record Norm(LayerNorm layer, RmsNorm rms) {
        NDArray forward(NDArray x) {
            return layer != null ? layer.forward(x) : rms.forward(x);
        }

        static Norm load(Weights w, NDManager m, String name, InternVlConfig.VisionConfig c, DataType dtype, Device device) {
            int d = c.hiddenSize();
            NDArray weight = w.load(m, name + ".weight", dtype, device, d);
            return c.normType().equals("layer_norm") ? new Norm(new LayerNorm(weight, w.load(m, name + ".bias", dtype, device, d), c.layerNormEps()), null)
                    : new Norm(null, RmsNorm.of(weight, c.layerNormEps()));
        }
    }

    /** One InternVLVisionLayer. */
    record Layer(Norm before, Linear q, Linear k, Linear v, RmsNorm qNorm, RmsNorm kNorm, Linear proj, NDArray lambda1, Norm after, Linear fc1,
            Linear fc2, NDArray lambda2, int heads, String act) {

        NDArray forward(NDArray x) {
            long b = x.getShape().get(0);
            long n = x.getShape().get(1);
            long d = x.getShape().get(2);
            long hd = d / heads;
            NDArray h = before.forward(x);
            NDArray qs = q.forward(h);
            NDArray ks = k.forward(h);
            if (qNorm != null) {
                qs = qNorm.forward(qs);
                ks = kNorm.forward(ks);
            }
            qs = qs.reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
            ks = ks.reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
            NDArray vs = v.forward(h).reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
            NDArray attn = qs.matMul(ks.transpose(0, 1, 3, 2)).mul(Math.pow(hd, -0.5)).softmax(-1);
            NDArray o = attn.matMul(vs).transpose(0, 2, 1, 3).reshape(b, n, d);
            NDArray r = x.add(proj.forward(o).mul(lambda1));
            return r.add(fc2.forward(Activations.apply(act, fc1.forward(after.forward(r)))).mul(lambda2));
        }
    }

    private InternVisionModel(InternVlConfig.VisionConfig config, NDArray patchWeight, NDArray patchBias, NDArray cls, NDArray positions, Layer[] layers,
            Norm finalNorm) {
        this.config = config;
        this.patchWeight = patchWeight;
        this.patchBias = patchBias;
        this.cls = cls;
        this.positions = positions;
        this.layers = layers;
        this.finalNorm = finalNorm;
    }

    /** Loads {@code <prefix>embeddings.*}, {@code <prefix>encoder.layer.*} (and {@code layernorm} without mean pooling). */
    public static InternVisionModel load(Weights w, NDManager m, InternVlConfig.VisionConfig c, String prefix, DataType dtype, Device device) {
        int d = c.hiddenSize();
        int p = c.patchSize();
        int g = c.gridSize();
        String e = prefix + "embeddings.";
        NDArray patchW = w.load(m, e + "patch_embeddings.projection.weight", dtype, device, d, 3, p, p);
        NDArray patchB = w.load(m, e + "patch_embeddings.projection.bias", dtype, device, d);
        NDArray cls = w.load(m, e + "cls_token", dtype, device, 1, 1, d).reshape(d);
        NDArray pos = w.load(m, e + "position_embeddings", dtype, device, 1, (long) g * g + 1, d).reshape((long) g * g + 1, d);
        Layer[] layers = new Layer[c.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            String l = prefix + "encoder.layer." + i + ".";
            String a = l + "attention.";
            layers[i] = new Layer(Norm.load(w, m, l + "layernorm_before", c, dtype, device),
                    Linear.load(w, m, a + "q_proj", d, d, c.attentionBias(), dtype, device),
                    Linear.load(w, m, a + "k_proj", d, d, c.attentionBias(), dtype, device),
                    Linear.load(w, m, a + "v_proj", d, d, c.attentionBias(), dtype, device),
                    c.useQkNorm() ? RmsNorm.of(w.load(m, a + "q_norm.weight", dtype, device, d), 1e-6) : null,
                    c.useQkNorm() ? RmsNorm.of(w.load(m, a + "k_norm.weight", dtype, device, d), 1e-6) : null,
                    Linear.load(w, m, a + "projection_layer", d, d, true, dtype, device),
                    w.load(m, l + "lambda_1", dtype, device, d),
                    Norm.load(w, m, l + "layernorm_after", c, dtype, device),
                    Linear.load(w, m, l + "mlp.fc1", d, c.intermediateSize(), true, dtype, device),
                    Linear.load(w, m, l + "mlp.fc2", c.intermediateSize(), d, true, dtype, device),
                    w.load(m, l + "lambda_2", dtype, device, d),
                    c.numAttentionHeads(), c.hiddenAct());
        }
        Norm last = c.useMeanPooling() ? null : Norm.load(w, m, prefix + "layernorm", c, dtype, device);
        return new InternVisionModel(c, patchW, patchB, cls, pos, layers, last);
    }

    /**
     * Hidden states of tiles [T, 3, S, S]: index 0 the embeddings (CLS first, positions added), index i the output of
     * layer i-1; each [T, G*G + 1, d]. With {@code all} false only the last (after the final norm, if any).
     */
    public NDList forward(NDArray pixels, boolean all) {
        long t = pixels.getShape().get(0);
        int d = config.hiddenSize();
        Shape stride = new Shape(config.patchSize(), config.patchSize());
        NDArray x = pixels.toType(patchWeight.getDataType(), false);
        NDArray patches = x.getNDArrayInternal().convolution(x, patchWeight, patchBias, stride, new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
        NDArray tokens = patches.reshape(t, d, -1).transpose(0, 2, 1);
        NDArray h = cls.reshape(1, 1, d).broadcast(new Shape(t, 1, d)).concat(tokens, 1).add(positions.expandDims(0));
        NDList states = new NDList();
        if (all) {
            states.add(h);
        }
        for (Layer layer : layers) {
            h = layer.forward(h);
            if (all) {
                states.add(h);
            }
        }
        if (finalNorm != null) {
            h = finalNorm.forward(h);
            if (all) {
                states.set(states.size() - 1, h);
            }
        }
        if (!all) {
            states.add(h);
        }
        return states;
    }
}
