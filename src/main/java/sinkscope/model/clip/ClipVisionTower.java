package sinkscope.model.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import sinkscope.model.Activations;
import sinkscope.model.LayerNorm;
import sinkscope.model.Linear;
import sinkscope.model.Weights;

/**
 * CLIPVisionModel as LLaVA uses it: patch embedding (conv, stride = patch, no bias), {@code class_embedding}
 * prepended, learned {@code position_embedding} added, {@code pre_layrnorm}, then pre-LN encoder layers
 * ({@code h += out_proj(attn(layer_norm1(h)))}, {@code h += fc2(act(fc1(layer_norm2(h))))}, q scaled by
 * {@code head_dim^-0.5}). Hidden state 0 is the {@code pre_layrnorm} output, state i the output of layer i-1;
 * only the layers up to the selected feature layer are run (the last layer and {@code post_layernorm} are unused).
 */
public final class ClipVisionTower {
    private final ClipVisionConfig config;
    private final NDArray patchWeight; // [hidden, 3, p, p]
    private final NDArray patchBias; // zeros: the conv has no bias
    private final NDArray classEmbedding; // [hidden]
    private final NDArray positionEmbedding; // [patches+1, hidden]
    private final LayerNorm preLayrnorm;
    private final EncoderLayer[] layers;

    /** One CLIPEncoderLayer. */
    record EncoderLayer(LayerNorm layerNorm1, Linear qProj, Linear kProj, Linear vProj, Linear outProj, LayerNorm layerNorm2, Linear fc1,
            Linear fc2, int heads, String act) {

        NDArray forward(NDArray x) {
            long b = x.getShape().get(0);
            long n = x.getShape().get(1);
            long d = x.getShape().get(2);
            int hd = (int) (d / heads);
            NDArray h = layerNorm1.forward(x);
            NDArray q = qProj.forward(h).mul(Math.pow(hd, -0.5)).reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
            NDArray k = kProj.forward(h).reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
            NDArray v = vProj.forward(h).reshape(b, n, heads, hd).transpose(0, 2, 1, 3);
            NDArray attn = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1);
            NDArray o = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, n, d);
            NDArray r = x.add(outProj.forward(o));
            return r.add(fc2.forward(Activations.apply(act, fc1.forward(layerNorm2.forward(r)))));
        }
    }

    private ClipVisionTower(ClipVisionConfig config, NDArray patchWeight, NDArray patchBias, NDArray classEmbedding,
            NDArray positionEmbedding, LayerNorm preLayrnorm, EncoderLayer[] layers) {
        this.config = config;
        this.patchWeight = patchWeight;
        this.patchBias = patchBias;
        this.classEmbedding = classEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.preLayrnorm = preLayrnorm;
        this.layers = layers;
    }

    /**
     * Loads {@code vision_tower.vision_model.*}: every encoder layer the checkpoint stores, at least the first
     * {@code layersNeeded} (LLaVA never runs the layers after its feature layer; some checkpoints omit them).
     */
    public static ClipVisionTower load(Weights ck, NDManager m, ClipVisionConfig c, int layersNeeded, DataType dtype, Device device) {
        int stored = layersNeeded;
        while (stored < c.numHiddenLayers() && ck.has("vision_tower.vision_model.encoder.layers." + stored + ".mlp.fc2.weight")) {
            stored++;
        }
        String p = "vision_tower.vision_model.";
        int d = c.hiddenSize();
        int ps = c.patchSize();
        NDArray patch = ck.load(m, p + "embeddings.patch_embedding.weight", dtype, device, d, c.numChannels(), ps, ps);
        NDArray cls = ck.load(m, p + "embeddings.class_embedding", dtype, device, d);
        NDArray pos = ck.load(m, p + "embeddings.position_embedding.weight", dtype, device, c.numPatches() + 1, d);
        LayerNorm pre = new LayerNorm(ck.load(m, p + "pre_layrnorm.weight", dtype, device, d), ck.load(m, p + "pre_layrnorm.bias", dtype, device, d),
                c.layerNormEps());
        EncoderLayer[] layers = new EncoderLayer[stored];
        for (int i = 0; i < stored; i++) {
            String l = p + "encoder.layers." + i + ".";
            layers[i] = new EncoderLayer(
                    new LayerNorm(ck.load(m, l + "layer_norm1.weight", dtype, device, d), ck.load(m, l + "layer_norm1.bias", dtype, device, d),
                            c.layerNormEps()),
                    Linear.load(ck, m, l + "self_attn.q_proj", d, d, true, dtype, device),
                    Linear.load(ck, m, l + "self_attn.k_proj", d, d, true, dtype, device),
                    Linear.load(ck, m, l + "self_attn.v_proj", d, d, true, dtype, device),
                    Linear.load(ck, m, l + "self_attn.out_proj", d, d, true, dtype, device),
                    new LayerNorm(ck.load(m, l + "layer_norm2.weight", dtype, device, d), ck.load(m, l + "layer_norm2.bias", dtype, device, d),
                            c.layerNormEps()),
                    Linear.load(ck, m, l + "mlp.fc1", d, c.intermediateSize(), true, dtype, device),
                    Linear.load(ck, m, l + "mlp.fc2", c.intermediateSize(), d, true, dtype, device),
                    c.numAttentionHeads(), c.hiddenAct());
        }
        NDArray zeros = m.zeros(new Shape(d), dtype).toDevice(device, false);
        return new ClipVisionTower(c, patch, zeros, cls, pos, pre, layers);
    }

    /**
     * Hidden states {@code 0..numLayersRun} of {@code pixels} [B, 3, S, S]: index 0 after {@code pre_layrnorm},
     * index i after encoder layer i-1; each [B, patches+1, hidden] with the CLS token first.
     */
    public NDList hiddenStates(NDArray pixels) {
        return hiddenStates(pixels, layers.length);
    }

    /** Hidden states {@code 0..upTo}: runs only the first {@code upTo} encoder layers. */
    public NDList hiddenStates(NDArray pixels, int upTo) {
        long b = pixels.getShape().get(0);
        int d = config.hiddenSize();
        Shape stride = new Shape(config.patchSize(), config.patchSize());
        NDArray patches = pixels.getNDArrayInternal()
                .convolution(pixels.toType(patchWeight.getDataType(), false), patchWeight, patchBias, stride, new Shape(0, 0), new Shape(1, 1), 1)
                .singletonOrThrow(); // [B, d, g, g]
        NDArray tokens = patches.reshape(b, d, -1).transpose(0, 2, 1);
        NDArray cls = classEmbedding.reshape(1, 1, d).broadcast(new Shape(b, 1, d));
        NDArray h = cls.concat(tokens, 1).add(positionEmbedding.expandDims(0));
        NDList states = new NDList(preLayrnorm.forward(h));
        for (int i = 0; i < upTo; i++) {
            EncoderLayer layer = layers[i];
            NDArray next;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                next = layer.forward(states.get(states.size() - 1));
                NDScope.unregister(next);
            }
            // hand it to the caller's scope (unregister took it out of every scope); its manager is the
            // weights' (the CLS embedding comes first), so without this each call leaked its layer outputs
            NDScope.register(next);
            states.add(next);
        }
        return states;
    }

    /** Number of encoder layers loaded. */
    public int numLayersLoaded() {
        return layers.length;
    }

    /** Drops the CLS row ({@code default} strategy) or keeps it ({@code full}): [B, N, hidden]. */
    public static NDArray select(NDArray hidden, String strategy) {
        return strategy.equals("full") ? hidden : hidden.get(new NDIndex(":, 1:, :"));
    }
}
