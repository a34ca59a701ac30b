package sinkscope.model.qwen3vl;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import sinkscope.model.CheckpointException;
import sinkscope.model.JsonFields;
import sinkscope.model.TextConfig;
import sinkscope.model.qwenvl.QwenVlConfig;
import sinkscope.model.qwenvl.VisionShape;

/**
 * {@code config.json} of a dense Qwen3-VL checkpoint ({@code model_type qwen3_vl}): the decoder under
 * {@code text_config} (Qwen3: explicit {@code head_dim}, per-head q/k RMSNorm, {@code attention_bias} on q/k/v/o, the
 * multimodal rotary from {@code rope_parameters} or the released {@code rope_scaling} with {@code mrope_section} and
 * {@code mrope_interleaved}), the vision tower under {@code vision_config}. Absent fields take transformers'
 * Qwen3VLConfig defaults. MoE checkpoints ({@code qwen3_vl_moe}, or {@code num_experts} in the text config) and a
 * non-interleaved multimodal rotary are refused naming the field.
 *
 * @param imageTokenId {@code <|image_pad|>}
 * @param videoTokenId {@code <|video_pad|>} (refused in prompts)
 */
public record Qwen3VlConfig(Path file, TextConfig text, VisionConfig vision, int imageTokenId, int videoTokenId, String torchDtype) implements QwenVlConfig {

    /**
     * The chat format of Qwen3-VL-Instruct for one user turn with one image (no default system prompt, unlike
     * Qwen2-VL's): template {@code qwen3_vl}.
     */
    public static final java.util.Map<String, String> TEMPLATES = java.util.Map.of("qwen3_vl",
            "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>{question}<|im_end|>\n<|im_start|>assistant\n");

    /**
     * The vision tower.
     *
     * @param hiddenSize width of the ViT blocks
     * @param outHiddenSize width of the mergers' output (= the decoder's hidden size)
     * @param numPositionEmbeddings the learned square position grid ({@code side^2} entries)
     * @param deepstackVisualIndexes the blocks whose outputs feed DeepStack merger {@code k}, added after decoder layer {@code k}
     */
    public record VisionConfig(int depth, int hiddenSize, int outHiddenSize, int numHeads, int intermediateSize, String hiddenAct, int patchSize,
            int temporalPatchSize, int spatialMergeSize, int inChannels, int numPositionEmbeddings, int[] deepstackVisualIndexes, double ropeTheta) implements VisionShape {

        public int headDim() {
            return hiddenSize / numHeads;
        }

        /** Side of the learned position grid: {@code sqrt(num_position_embeddings)}. */
        public int gridSide() {
            return (int) Math.round(Math.sqrt(numPositionEmbeddings));
        }
    }

    @Override
    public String defaultTemplate() {
        return "qwen3_vl";
    }

    /** Qwen3-VL, like Qwen2-VL, is evaluated with lmms-eval's default prompts. */
    @Override
    public String promptSuffixMode() {
        return "qwen2_vl";
    }

    /** DeepStack: one addition per {@code deepstack_visual_indexes} entry. */
    @Override
    public int imageAdditionLayers() {
        return vision.deepstackVisualIndexes().length;
    }

    /** {@code <|image_pad|>} (the config names no vision start/end ids; a text-only prompt keeps those two). */
    @Override
    public long[] imageTokenIds() {
        return new long[] {imageTokenId};
    }

    @Override
    public String modelType() {
        return "qwen3_vl";
    }

    @Override
    public String decoderType() {
        return "qwen3";
    }

    /** Patch embedding (Conv3d with bias), position table and blocks (LayerNorms, qkv, proj, fc1, fc2, all with biases). */
    @Override
    public long visionParameterCount() {
        long d = vision.hiddenSize();
        long block = 4 * d + 3 * d * d + 3 * d + d * d + d + 2 * d * vision.intermediateSize() + vision.intermediateSize() + d;
        return (long) vision.patchDim() * d + d + (long) vision.numPositionEmbeddings() * d + block * vision.depth();
    }

    /** The merger and the DeepStack mergers: norm, fc1 {@code m^2 d -> m^2 d}, fc2 to the decoder's width. */
    @Override
    public long projectorParameterCount() {
        long d = vision.hiddenSize();
        long merged = d * vision.spatialMergeSize() * vision.spatialMergeSize();
        long mlp = merged * merged + merged + merged * vision.outHiddenSize() + vision.outHiddenSize();
        return 2 * d + mlp + vision.deepstackVisualIndexes().length * (2 * merged + mlp);
    }

    @Override
    public List<String> visionSummary() {
        VisionConfig v = vision;
        int unit = v.patchSize() * v.spatialMergeSize();
        return List.of(
                String.format("vision tower: qwen3_vl vit, %d blocks, %d heads, hidden %d, mlp %d (%s), patch %d x %d frames, learned %dx%d position grid",
                        v.depth(), v.numHeads(), v.hiddenSize(), v.intermediateSize(), v.hiddenAct(), v.patchSize(), v.temporalPatchSize(), v.gridSide(),
                        v.gridSide()),
                String.format("projector: patch merger %dx%d -> %d, DeepStack mergers of blocks %s added after decoder layers 0..%d", v.spatialMergeSize(),
                        v.spatialMergeSize(), v.outHiddenSize(), Arrays.toString(v.deepstackVisualIndexes()), v.deepstackVisualIndexes().length - 1),
                String.format("image tokens: dynamic, (H/%d) x (W/%d) per image after smart_resize (size of preprocessor_config.json)", unit, unit));
    }

    public static Qwen3VlConfig load(Path file) {
        return parse(file, JsonFields.read(file));
    }

    public static Qwen3VlConfig parse(Path file, JsonObject root) {
        JsonFields top = new JsonFields(file, root, "");
        String type = top.str("model_type", "");
        if (!type.equals("qwen3_vl")) {
            throw CheckpointException.of(file, "field 'model_type' is \"" + type + "\"; expected qwen3_vl (the MoE qwen3_vl_moe is not supported)");
        }
        JsonObject tj = top.object("text_config");
        JsonFields t = tj == null ? top : new JsonFields(file, tj, "text_config.");
        if (t.has("num_experts") && !t.isNull("num_experts") && t.integer("num_experts", 0) > 0) {
            throw CheckpointException.of(file, "field '" + t.prefix() + "num_experts' is " + t.integer("num_experts", 0)
                    + ": Mixture-of-Experts Qwen3-VL is not supported (dense models only)");
        }
        String ropeKey = t.object("rope_parameters") != null ? "rope_parameters" : "rope_scaling";
        JsonObject rope = t.object(ropeKey);
        JsonFields r = rope == null ? null : new JsonFields(file, rope, t.prefix() + ropeKey + ".");
        String ropeType = r == null ? "default" : r.str("rope_type", r.str("type", "default"));
        if (!ropeType.equals("default") && !ropeType.equals("mrope")) {
            throw CheckpointException.of(file, "field '" + r.prefix() + "rope_type' is \"" + ropeType + "\"; only the default multimodal rotary is supported");
        }
        if (r != null && !r.bool("mrope_interleaved", true)) {
            throw CheckpointException.of(file, "field '" + r.prefix() + "mrope_interleaved' is false; Qwen3-VL's rotary is interleaved");
        }
        int[] section = r == null ? new int[] {24, 20, 20} : r.ints("mrope_section", new int[] {24, 20, 20});
        double theta = r != null && r.has("rope_theta") ? r.number("rope_theta", 5e6) : t.number("rope_theta", 5e6);
        TextConfig.Sizes sizes = TextConfig.Sizes.read(t, new TextConfig.Sizes(151936, 4096, 22016, 32, 32, 0, "silu", 128000, 1e-6));
        int heads = sizes.heads();
        int hidden = sizes.hidden();
        int kvHeads = sizes.kvHeads();
        int headDim = t.has("head_dim") && !t.isNull("head_dim") ? t.integer("head_dim", 128) : hidden / Math.max(1, heads);
        boolean bias = t.bool("attention_bias", false);
        boolean tied = top.bool("tie_word_embeddings", false) || t.bool("tie_word_embeddings", false);
        JsonFields.positive(file, t.prefix() + "hidden_size", hidden);
        JsonFields.positive(file, t.prefix() + "num_attention_heads", heads);
        JsonFields.positive(file, t.prefix() + "num_key_value_heads", kvHeads);
        JsonFields.positive(file, t.prefix() + "head_dim", headDim);
        TextConfig text = TextConfig.of(sizes, theta, bias, bias, tied, t.integer("bos_token_id", 151643),
                t.ints("eos_token_id", top.ints("eos_token_id", new int[] {151645})), t.str("_name_or_path", top.str("_name_or_path", "")), section, 0, headDim,
                true, true);
        if (!text.hiddenAct().equals("silu")) {
            throw CheckpointException.of(file, "field '" + t.prefix() + "hidden_act' is \"" + text.hiddenAct() + "\"; supported: silu");
        }
        JsonFields.positive(file, t.prefix() + "num_hidden_layers", text.numHiddenLayers());
        if (heads % kvHeads != 0 || headDim % 2 != 0) {
            throw CheckpointException.of(file, t.prefix() + "num_attention_heads " + heads + ", num_key_value_heads " + kvHeads + ", head_dim " + headDim
                    + ": kv heads must divide the heads and head_dim be even");
        }
        int sum = 0;
        for (int s : section) {
            sum += s;
        }
        if (section.length != 3 || sum != headDim / 2) {
            throw CheckpointException.of(file, "field '" + (r == null ? t.prefix() : r.prefix()) + "mrope_section' " + Arrays.toString(section)
                    + " must be 3 sections summing to head_dim/2 = " + headDim / 2);
        }

        JsonObject vj = top.object("vision_config");
        if (vj == null) {
            throw CheckpointException.of(file, "field 'vision_config' is missing");
        }
        JsonFields v = new JsonFields(file, vj, "vision_config.");
        JsonObject vr = v.object("rope_parameters");
        double visionTheta = vr == null ? 10000.0 : new JsonFields(file, vr, "vision_config.rope_parameters.").number("rope_theta", 10000.0);
        VisionConfig vision = new VisionConfig(v.integer("depth", 27), v.integer("hidden_size", 1152), v.integer("out_hidden_size", 3584),
                v.integer("num_heads", 16), v.integer("intermediate_size", 4304), v.str("hidden_act", "gelu_pytorch_tanh"), v.integer("patch_size", 16),
                v.integer("temporal_patch_size", 2), v.integer("spatial_merge_size", 2), v.integer("in_channels", 3),
                v.integer("num_position_embeddings", 2304), v.ints("deepstack_visual_indexes", new int[] {8, 16, 24}), visionTheta);
        if (!List.of("gelu_pytorch_tanh", "gelu", "quick_gelu", "silu").contains(vision.hiddenAct())) {
            throw CheckpointException.of(file, "field 'vision_config.hidden_act' is \"" + vision.hiddenAct() + "\"; supported: gelu_pytorch_tanh, gelu, quick_gelu, silu");
        }
        JsonFields.positive(file, "vision_config.num_heads", vision.numHeads());
        JsonFields.positive(file, "vision_config.depth", vision.depth());
        if (vision.hiddenSize() % vision.numHeads() != 0 || vision.headDim() % 4 != 0) {
            throw CheckpointException.of(file, "vision_config: head dim " + vision.hiddenSize() + "/" + vision.numHeads() + " must be a multiple of 4 (2-D rotary)");
        }
        int side = vision.gridSide();
        if (side < 1 || side * side != vision.numPositionEmbeddings()) {
            throw CheckpointException.of(file, "field 'vision_config.num_position_embeddings' " + vision.numPositionEmbeddings() + " is not a square");
        }
        if (vision.outHiddenSize() != hidden) {
            throw CheckpointException.of(file, "field 'vision_config.out_hidden_size' " + vision.outHiddenSize() + " must equal the decoder's hidden_size " + hidden);
        }
        int[] ds = vision.deepstackVisualIndexes();
        for (int i = 0; i < ds.length; i++) {
            if (ds[i] < 0 || ds[i] >= vision.depth() || (i > 0 && ds[i] <= ds[i - 1])) {
                throw CheckpointException.of(file, "field 'vision_config.deepstack_visual_indexes' " + Arrays.toString(ds)
                        + " must be increasing block indexes below depth " + vision.depth());
            }
        }
        if (ds.length > text.numHiddenLayers()) {
            throw CheckpointException.of(file, "field 'vision_config.deepstack_visual_indexes' has " + ds.length + " entries but the decoder has only "
                    + text.numHiddenLayers() + " layers");
        }
        return new Qwen3VlConfig(file, text, vision, top.integer("image_token_id", 151655), top.integer("video_token_id", 151656),
                top.str("torch_dtype", top.str("dtype", t.str("torch_dtype", "bfloat16"))));
    }
}
