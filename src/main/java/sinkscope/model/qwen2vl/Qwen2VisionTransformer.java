package sinkscope.model.qwen2vl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import sinkscope.model.Activations;
import sinkscope.model.LayerNorm;
import sinkscope.model.Linear;
import sinkscope.model.RmsNorm;
import sinkscope.model.Weights;
import sinkscope.model.qwenvl.VisionAttention;

/**
 * The vision transformer of Qwen2-VL ({@code Qwen2VisionTransformerPretrainedModel}) and Qwen2.5-VL
 * ({@code Qwen2_5_VisionTransformerPretrainedModel}) for one still image of {@code gh x gw} patches.
 *
 * <ol>
 *   <li>{@code patch_embed}: a Conv3d with kernel = stride = (T, P, P) and no bias, i.e. each flattened patch row
 *       [C T P P] times the kernel.</li>
 *   <li>2-D rotary ({@link VisionAttention}, theta 10000) on q and k of every block.</li>
 *   <li>Blocks (pre-norm): {@code x += proj(attn(norm1(x)))}, {@code x += mlp(norm2(x))}. Qwen2-VL: LayerNorm
 *       (eps 1e-6), {@code fc2(act(fc1))}; Qwen2.5-VL: RMSNorm (eps 1e-6), {@code down(act(gate) * up)} with biases.
 *       Attention: {@code qkv} with bias, {@code softmax(q k^T * d^-1/2)} in float32, no mask, within each attention
 *       segment: the whole image, or (Qwen2.5-VL blocks not in {@code fullatt_block_indexes}) each window.</li>
 *   <li>Qwen2.5-VL windows: merge units (the {@code m x m} patches of one LLM token) are reordered window by window
 *       ({@code window_size / (P m)} units per window side, windows row-major, units row-major inside, the grid
 *       padded at the bottom and right); the rotary rows are reordered with them and the merger's output is put
 *       back in grid order.</li>
 *   <li>{@code merger}: {@code ln_q} (LayerNorm / RMSNorm, eps 1e-6), each merge unit's {@code m^2} rows concatenated,
 *       {@code mlp.2(gelu(mlp.0(.)))} (exact GELU) to the LLM's width.</li>
 * </ol>
 */
public final class Qwen2VisionTransformer {
    private final Qwen2VlConfig.VisionConfig config;
    private final boolean qwen25;
    private final NDArray patchEmbed; // [embed, C*T*P*P]
    private final Block[] blocks;
    private final Norm lnQ;
    private final Linear mlp0;
    private final Linear mlp2;
    private final NDArray invFreq; // [d/4] float32
    private final NDArray scale;

    /** One normalisation: LayerNorm (Qwen2-VL) or RMSNorm (Qwen2.5-VL). */
    private record Norm(LayerNorm layer, RmsNorm rms) {
        NDArray forward(NDArray x) {
            return layer != null ? layer.forward(x) : rms.forward(x);
        }
    }

    private record Block(Norm norm1, Linear qkv, Linear proj, Norm norm2, Linear fc1, Linear fc2, Linear gate, Linear up, Linear down) {}

    private Qwen2VisionTransformer(Qwen2VlConfig.VisionConfig config, boolean qwen25, NDArray patchEmbed, Block[] blocks, Norm lnQ, Linear mlp0,
            Linear mlp2, NDArray invFreq) {
        this.config = config;
        this.qwen25 = qwen25;
        this.patchEmbed = patchEmbed;
        this.blocks = blocks;
        this.lnQ = lnQ;
        this.mlp0 = mlp0;
        this.mlp2 = mlp2;
        this.invFreq = invFreq;
        this.scale = patchEmbed.getManager().create((float) Math.pow(config.headDim(), -0.5));
    }

    /** Loads {@code prefix}{@code patch_embed}, {@code blocks.*}, {@code merger.*} (e.g. {@code model.visual.}). */
    static Qwen2VisionTransformer load(Weights w, NDManager m, Qwen2VlConfig c, String prefix, DataType dtype, Device device) {
        Qwen2VlConfig.VisionConfig v = c.vision();
        int d = v.embedDim();
        NDArray conv = w.load(m, prefix + "patch_embed.proj.weight", dtype, device, d, v.inChannels(), v.temporalPatchSize(), v.patchSize(),
                v.patchSize());
        NDArray patchEmbed = conv.reshape(d, v.patchDim());
        Block[] blocks = new Block[v.depth()];
        for (int i = 0; i < blocks.length; i++) {
            String b = prefix + "blocks." + i + ".";
            Linear qkv = Linear.load(w, m, b + "attn.qkv", d, 3 * d, true, dtype, device);
            Linear proj = Linear.load(w, m, b + "attn.proj", d, d, true, dtype, device);
            if (c.qwen25()) {
                blocks[i] = new Block(rms(w, m, b + "norm1", d, dtype, device), qkv, proj, rms(w, m, b + "norm2", d, dtype, device), null, null,
                        Linear.load(w, m, b + "mlp.gate_proj", d, v.mlpHidden(), true, dtype, device),
                        Linear.load(w, m, b + "mlp.up_proj", d, v.mlpHidden(), true, dtype, device),
                        Linear.load(w, m, b + "mlp.down_proj", v.mlpHidden(), d, true, dtype, device));
            } else {
                blocks[i] = new Block(layerNorm(w, m, b + "norm1", d, dtype, device), qkv, proj, layerNorm(w, m, b + "norm2", d, dtype, device),
                        Linear.load(w, m, b + "mlp.fc1", d, v.mlpHidden(), true, dtype, device),
                        Linear.load(w, m, b + "mlp.fc2", v.mlpHidden(), d, true, dtype, device), null, null, null);
            }
        }
        int merged = d * v.spatialMergeSize() * v.spatialMergeSize();
        Norm lnQ = c.qwen25() ? rms(w, m, prefix + "merger.ln_q", d, dtype, device) : layerNorm(w, m, prefix + "merger.ln_q", d, dtype, device);
        Linear mlp0 = Linear.load(w, m, prefix + "merger.mlp.0", merged, merged, true, dtype, device);
        Linear mlp2 = Linear.load(w, m, prefix + "merger.mlp.2", merged, v.outHiddenSize(), true, dtype, device);
        NDArray invFreq = VisionAttention.invFreq(m, v.headDim(), v.ropeTheta(), device);
        return new Qwen2VisionTransformer(v, c.qwen25(), patchEmbed, blocks, lnQ, mlp0, mlp2, invFreq);
    }

    private static Norm layerNorm(Weights w, NDManager m, String p, int d, DataType dtype, Device device) {
        return new Norm(new LayerNorm(w.load(m, p + ".weight", dtype, device, d), w.load(m, p + ".bias", dtype, device, d), 1e-6), null);
    }

    private static Norm rms(Weights w, NDManager m, String p, int d, DataType dtype, Device device) {
        return new Norm(null, RmsNorm.of(w.load(m, p + ".weight", dtype, device, d), 1e-6));
    }

    /** What one image leaves: the patch embeddings, each block's output (in the blocks' row order) and the merged features. */
    public record Output(NDArray patchEmbeddings, List<NDArray> blockOutputs, NDArray features, long[] windowIndex) {}

    /**
     * Runs the tower on {@code pixels} [gh gw, C T P P] of grid {@code (1, gh, gw)}; returns features [gh gw / m^2, D]
     * in grid order. With {@code keepStates} the patch embeddings and block outputs are kept too.
     */
    public Output forward(NDArray pixels, long[] gridThw, boolean keepStates) {
        if (gridThw[0] != 1) {
            throw new IllegalArgumentException("image_grid_thw " + java.util.Arrays.toString(gridThw) + ": only still images (t = 1) are supported");
        }
        int gh = (int) gridThw[1];
        int gw = (int) gridThw[2];
        int n = gh * gw;
        int mm = config.spatialMergeSize();
        if (pixels.getShape().get(0) != n || pixels.getShape().get(1) != config.patchDim()) {
            throw new IllegalArgumentException("pixel_values " + pixels.getShape() + " do not fit image_grid_thw " + java.util.Arrays.toString(gridThw)
                    + ": expected [" + n + ", " + config.patchDim() + "]");
        }
        NDManager sm = pixels.getManager();
        NDArray x = pixels.toType(patchEmbed.getDataType(), false).toDevice(patchEmbed.getDevice(), false).matMul(patchEmbed.transpose());
        NDArray embeddings = keepStates ? x : null;

        long[][] pos = VisionAttention.positions(gh, gw, mm);
        long[] window = null;
        List<int[]> windows = List.of(new int[] {0, n});
        if (qwen25) {
            Windows wi = windows(gh / mm, gw / mm);
            window = wi.index();
            windows = wi.segments();
            long[][] permuted = new long[2][n];
            int unit = mm * mm;
            for (int u = 0; u < window.length; u++) {
                for (int j = 0; j < unit; j++) {
                    permuted[0][u * unit + j] = pos[0][(int) window[u] * unit + j];
                    permuted[1][u * unit + j] = pos[1][(int) window[u] * unit + j];
                }
            }
            pos = permuted;
            x = permuteUnits(x, window, unit);
        }
        NDArray[] rotary = VisionAttention.rotary(sm, pos, invFreq);

        List<NDArray> outputs = new ArrayList<>();
        List<int[]> whole = List.of(new int[] {0, n});
        for (int b = 0; b < blocks.length; b++) {
            Block blk = blocks[b];
            List<int[]> segments = qwen25 && !config.fullAttention(b) ? windows : whole;
            x = x.add(VisionAttention.forward(blk.qkv(), blk.proj(), blk.norm1().forward(x), rotary[0], rotary[1], segments, config.numHeads(),
                    config.headDim(), scale));
            NDArray h = blk.norm2().forward(x);
            NDArray mlp = qwen25 ? blk.down().forward(Activations.apply(config.hiddenAct(), blk.gate().forward(h)).mul(blk.up().forward(h)))
                    : blk.fc2().forward(Activations.apply(config.hiddenAct(), blk.fc1().forward(h)));
            x = x.add(mlp);
            if (keepStates) {
                outputs.add(x);
            }
        }
        NDArray merged = mlp2.forward(Activations.apply("gelu", mlp0.forward(lnQ.forward(x).reshape(n / (mm * mm), -1))));
        if (window != null) {
            long[] reverse = new long[window.length];
            for (int u = 0; u < window.length; u++) {
                reverse[(int) window[u]] = u;
            }
            merged = merged.get(sm.create(reverse).toDevice(merged.getDevice(), false));
        }
        return new Output(embeddings, outputs, merged, window);
    }

    /** Rows grouped in units of {@code unit} consecutive rows, reordered by {@code index} over the units. */
    private static NDArray permuteUnits(NDArray x, long[] index, int unit) {
        long n = x.getShape().get(0);
        NDArray units = x.reshape(n / unit, unit, -1);
        return units.get(x.getManager().create(index).toDevice(x.getDevice(), false)).reshape(n, -1);
    }

    /** Qwen2.5-VL's window order of the merge units and the row ranges [start, end) of the windows in that order. */
    public record Windows(long[] index, List<int[]> segments) {}

    /**
     * HF's {@code get_vision_window_index} for one image of {@code lh x lw} merge units: windows of
     * {@code s = window_size / (P m)} units per side over the grid padded by {@code s - lh % s} rows and
     * {@code s - lw % s} columns (a full extra window when it divides), windows row-major, units row-major inside;
     * empty windows are dropped.
     */
    public Windows windows(int lh, int lw) {
        int s = config.windowSize() / config.spatialMergeSize() / config.patchSize();
        int unit = config.spatialMergeSize() * config.spatialMergeSize();
        int padH = s - lh % s;
        int padW = s - lw % s;
        int nh = (lh + padH) / s;
        int nw = (lw + padW) / s;
        long[] index = new long[lh * lw];
        List<int[]> segments = new ArrayList<>();
        int k = 0;
        int start = 0;
        for (int wh = 0; wh < nh; wh++) {
            for (int ww = 0; ww < nw; ww++) {
                int count = 0;
                for (int i = 0; i < s; i++) {
                    for (int j = 0; j < s; j++) {
                        int r = wh * s + i;
                        int c = ww * s + j;
                        if (r < lh && c < lw) {
                            index[k++] = (long) r * lw + c;
                            count++;
                        }
                    }
                }
                if (count > 0) {
                    segments.add(new int[] {start, start + count * unit});
                    start += count * unit;
                }
            }
        }
        return new Windows(index, segments);
    }
}
