package sinkscope.model.qwen3vl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import sinkscope.model.Activations;
import sinkscope.model.LayerNorm;
import sinkscope.model.Linear;
import sinkscope.model.Weights;
import sinkscope.model.qwenvl.VisionAttention;

/**
 * Qwen3-VL's vision tower ({@code Qwen3VLVisionModel}) for one still image of {@code gh x gw} patches.
 *
 * <ol>
 *   <li>{@code patch_embed}: Conv3d with kernel = stride = (T, P, P) and bias, i.e. each flattened patch row times the
 *       kernel plus the bias.</li>
 *   <li>{@code pos_embed}: the learned {@code s x s} table bilinearly resampled to the {@code gh x gw} grid with
 *       {@code align_corners}: patch {@code (r, c)} reads {@code y = r (s-1) / max(gh-1, 1)} (float32) and likewise x,
 *       taps {@code floor(y)}, {@code min(floor(y)+1, s-1)} with weights {@code 1 - |y - floor(y) - o|}, the 2-D weight
 *       the product, the four taps' rows times their weights summed; added to the patch embedding (HF's
 *       {@code get_vision_interpolation_indices_and_weights}, patches in merge-block order).</li>
 *   <li>Blocks (pre-norm, LayerNorm eps 1e-6): {@code x += proj(attn(norm1(x)))} with the 2-D rotary
 *       ({@link VisionAttention}), {@code x += linear_fc2(act(linear_fc1(norm2(x))))}.</li>
 *   <li>DeepStack: after block {@code deepstack_visual_indexes[k]}, merger {@code deepstack_merger_list.k} with its
 *       LayerNorm over the concatenated {@code m^2 d} values of a merge unit ("post-shuffle"), {@code linear_fc2(gelu(linear_fc1))}
 *       (exact GELU), gives the [N/m^2, D] addition for decoder layer {@code k}.</li>
 *   <li>{@code merger}: LayerNorm over {@code d} per patch, the {@code m^2} rows of a unit concatenated, the same MLP.</li>
 * </ol>
 */
public final class Qwen3VisionModel {
    private final Qwen3VlConfig.VisionConfig config;
    private final NDArray patchEmbed; // [d, C*T*P*P]
    private final NDArray patchBias; // [d]
    private final NDArray posEmbed; // [s*s, d]
    private final Block[] blocks;
    private final Merger merger;
    private final Merger[] deepstack;
    private final NDArray invFreq;
    private final NDArray scale;

    private record Block(LayerNorm norm1, Linear qkv, Linear proj, LayerNorm norm2, Linear fc1, Linear fc2) {}

    /** A patch merger: {@code norm} per patch (or over the whole unit: {@code postShuffle}), then {@code fc2(gelu(fc1))}. */
    private record Merger(LayerNorm norm, Linear fc1, Linear fc2, boolean postShuffle, int unitWidth) {
        NDArray forward(NDArray x) {
            NDArray units = postShuffle ? norm.forward(x.reshape(-1, unitWidth)) : norm.forward(x).reshape(-1, unitWidth);
            return fc2.forward(Activations.apply("gelu", fc1.forward(units)));
        }
    }

    private Qwen3VisionModel(Qwen3VlConfig.VisionConfig config, NDArray patchEmbed, NDArray patchBias, NDArray posEmbed, Block[] blocks, Merger merger,
            Merger[] deepstack, NDArray invFreq) {
        this.config = config;
        this.patchEmbed = patchEmbed;
        this.patchBias = patchBias;
        this.posEmbed = posEmbed;
        this.blocks = blocks;
        this.merger = merger;
        this.deepstack = deepstack;
        this.invFreq = invFreq;
        this.scale = patchEmbed.getManager().create((float) Math.pow(config.headDim(), -0.5));
    }

    /** Loads {@code prefix}{@code patch_embed}, {@code pos_embed}, {@code blocks.*}, {@code merger.*}, {@code deepstack_merger_list.*}. */
    static Qwen3VisionModel load(Weights w, NDManager m, Qwen3VlConfig.VisionConfig v, String prefix, DataType dtype, Device device) {
        int d = v.hiddenSize();
        NDArray conv = w.load(m, prefix + "patch_embed.proj.weight", dtype, device, d, v.inChannels(), v.temporalPatchSize(), v.patchSize(), v.patchSize());
        NDArray bias = w.load(m, prefix + "patch_embed.proj.bias", dtype, device, d);
        NDArray pos = w.load(m, prefix + "pos_embed.weight", dtype, device, v.numPositionEmbeddings(), d);
        Block[] blocks = new Block[v.depth()];
        for (int i = 0; i < blocks.length; i++) {
            String b = prefix + "blocks." + i + ".";
            blocks[i] = new Block(layerNorm(w, m, b + "norm1", d, dtype, device), Linear.load(w, m, b + "attn.qkv", d, 3 * d, true, dtype, device),
                    Linear.load(w, m, b + "attn.proj", d, d, true, dtype, device), layerNorm(w, m, b + "norm2", d, dtype, device),
                    Linear.load(w, m, b + "mlp.linear_fc1", d, v.intermediateSize(), true, dtype, device),
                    Linear.load(w, m, b + "mlp.linear_fc2", v.intermediateSize(), d, true, dtype, device));
        }
        Merger merger = merger(w, m, v, prefix + "merger.", false, dtype, device);
        Merger[] deepstack = new Merger[v.deepstackVisualIndexes().length];
        for (int k = 0; k < deepstack.length; k++) {
            deepstack[k] = merger(w, m, v, prefix + "deepstack_merger_list." + k + ".", true, dtype, device);
        }
        return new Qwen3VisionModel(v, conv.reshape(d, v.patchDim()), bias, pos, blocks, merger, deepstack,
                VisionAttention.invFreq(m, v.headDim(), v.ropeTheta(), device));
    }

    private static Merger merger(Weights w, NDManager m, Qwen3VlConfig.VisionConfig v, String p, boolean postShuffle, DataType dtype, Device device) {
        int unit = v.hiddenSize() * v.spatialMergeSize() * v.spatialMergeSize();
        return new Merger(layerNorm(w, m, p + "norm", postShuffle ? unit : v.hiddenSize(), dtype, device),
                Linear.load(w, m, p + "linear_fc1", unit, unit, true, dtype, device), Linear.load(w, m, p + "linear_fc2", unit, v.outHiddenSize(), true, dtype, device),
                postShuffle, unit);
    }

    private static LayerNorm layerNorm(Weights w, NDManager m, String p, int d, DataType dtype, Device device) {
        return new LayerNorm(w.load(m, p + ".weight", dtype, device, d), w.load(m, p + ".bias", dtype, device, d), 1e-6);
    }

    /**
     * What one image leaves: the patch embeddings and the resampled position embeddings [N, d], each block's output,
     * the merged features [N/m^2, D] and the DeepStack additions, one [N/m^2, D] per entry of {@code deepstack_visual_indexes}.
     */
    public record Output(NDArray patchEmbeddings, NDArray positionEmbeddings, List<NDArray> blockOutputs, NDArray features, List<NDArray> deepstack) {}

    /** Runs the tower on {@code pixels} [gh gw, C T P P] of grid {@code (1, gh, gw)}; {@code keepStates} keeps every block's output. */
    public Output forward(NDArray pixels, long[] gridThw, boolean keepStates) {
        if (gridThw[0] != 1) {
            throw new IllegalArgumentException("image_grid_thw " + java.util.Arrays.toString(gridThw) + ": video input (t > 1) is not supported, still images only");
        }
        int gh = (int) gridThw[1];
        int gw = (int) gridThw[2];
        int n = gh * gw;
        int mm = config.spatialMergeSize();
        if (pixels.getShape().get(0) != n || pixels.getShape().get(1) != config.patchDim() || gh % mm != 0 || gw % mm != 0) {
            throw new IllegalArgumentException("pixel_values " + pixels.getShape() + " do not fit image_grid_thw " + java.util.Arrays.toString(gridThw)
                    + ": expected [" + n + ", " + config.patchDim() + "] with h and w multiples of " + mm);
        }
        NDManager sm = pixels.getManager();
        NDArray x = pixels.toType(patchEmbed.getDataType(), false).toDevice(patchEmbed.getDevice(), false).matMul(patchEmbed.transpose()).add(patchBias);
        NDArray embeddings = x;
        long[][] pos = VisionAttention.positions(gh, gw, mm);
        NDArray positions = positionEmbeddings(sm, pos, gh, gw);
        x = x.add(positions);
        NDArray[] rotary = VisionAttention.rotary(sm, pos, invFreq);
        List<int[]> whole = List.of(new int[] {0, n});
        List<NDArray> outputs = new ArrayList<>();
        List<NDArray> stack = new ArrayList<>();
        int[] ds = config.deepstackVisualIndexes();
        for (int b = 0; b < blocks.length; b++) {
            Block blk = blocks[b];
            x = x.add(VisionAttention.forward(blk.qkv(), blk.proj(), blk.norm1().forward(x), rotary[0], rotary[1], whole, config.numHeads(), config.headDim(),
                    scale));
            x = x.add(blk.fc2().forward(Activations.apply(config.hiddenAct(), blk.fc1().forward(blk.norm2().forward(x)))));
            if (keepStates) {
                outputs.add(x);
            }
            for (int k = 0; k < ds.length; k++) {
                if (ds[k] == b) {
                    stack.add(deepstack[k].forward(x));
                }
            }
        }
        return new Output(embeddings, positions, outputs, merger.forward(x), stack);
    }

    /** The learned position table resampled to the {@code gh x gw} grid at the patches {@code pos} (rows, cols), [N, d]. */
    private NDArray positionEmbeddings(NDManager sm, long[][] pos, int gh, int gw) {
        int side = config.gridSide();
        int n = pos[0].length;
        long[] index = new long[n * 4];
        float[] weight = new float[n * 4];
        for (int i = 0; i < n; i++) {
            long[] ht = new long[2];
            float[] hw = new float[2];
            long[] wt = new long[2];
            float[] ww = new float[2];
            taps(pos[0][i], gh, side, ht, hw);
            taps(pos[1][i], gw, side, wt, ww);
            for (int a = 0; a < 2; a++) {
                for (int c = 0; c < 2; c++) {
                    index[i * 4 + a * 2 + c] = ht[a] * side + wt[c];
                    weight[i * 4 + a * 2 + c] = hw[a] * ww[c];
                }
            }
        }
        Device device = posEmbed.getDevice();
        NDArray rows = posEmbed.get(sm.create(index).toDevice(device, false)).reshape(n, 4, -1);
        NDArray w = sm.create(weight, new Shape(n, 4, 1)).toDevice(device, false).toType(posEmbed.getDataType(), false);
        return rows.mul(w).sum(new int[] {1});
    }

    /** Bilinear taps with align_corners of target index {@code i} on an axis of {@code size} from a table side of {@code side}, in float32 as HF. */
    private static void taps(long i, int size, int side, long[] taps, float[] weights) {
        float src = (float) (i * (side - 1)) / (float) Math.max(size - 1, 1);
        float floor = (float) Math.floor(src);
        for (int o = 0; o < 2; o++) {
            taps[o] = Math.min(Math.max((long) floor + o, 0), side - 1);
            float distance = Math.abs(src - floor - o);
            weights[o] = Math.max(1f - distance, 0f);
        }
    }
}
