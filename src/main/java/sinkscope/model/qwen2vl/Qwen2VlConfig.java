package sinkscope.model.qwen2vl;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.CheckpointException;
import sinkscope.model.JsonFields;
import sinkscope.model.TextConfig;
import sinkscope.model.qwenvl.QwenVlConfig;
import sinkscope.model.qwenvl.VisionShape;

/**
 * {@code config.json} of a Qwen2-VL ({@code model_type qwen2_vl}) or Qwen2.5-VL ({@code qwen2_5_vl}) checkpoint, in
 * both layouts transformers has written: the released one (decoder fields at the top level, {@code rope_scaling}
 * with {@code mrope_section}, {@code rope_theta}) and transformers 5's ({@code text_config} with
 * {@code rope_parameters}). Absent fields take the defaults of transformers' Qwen2VLConfig / Qwen2_5_VLConfig.
 *
 * @param qwen25 whether this is Qwen2.5-VL (RMSNorm and SwiGLU vision blocks, window attention)
 * @param imageTokenId {@code <|image_pad|>}
 * @param videoTokenId {@code <|video_pad|>} (refused in prompts: still images only)
 */
public record Qwen2VlConfig(Path file, boolean qwen25, TextConfig text, VisionConfig vision, int imageTokenId, int videoTokenId, int visionStartTokenId,
        int visionEndTokenId, String torchDtype) implements QwenVlConfig {

    /**
     * The vision transformer.
     *
     * @param embedDim width of the ViT blocks (Qwen2-VL {@code embed_dim}, Qwen2.5-VL {@code hidden_size})
     * @param outHiddenSize width of the merger's output (= the LLM's hidden size)
     * @param mlpHidden the blocks' MLP width (Qwen2-VL {@code embed_dim * mlp_ratio}, Qwen2.5-VL {@code intermediate_size})
     * @param windowSize Qwen2.5-VL's attention window in pixels (0 for Qwen2-VL)
     * @param fullAttentionBlocks Qwen2.5-VL's {@code fullatt_block_indexes} (every block for Qwen2-VL)
     * @param ropeTheta base of the 2-D rotary ({@code rope_parameters.rope_theta}, 10000 by default)
     */
    public record VisionConfig(int depth, int embedDim, int outHiddenSize, int numHeads, int mlpHidden, String hiddenAct, int patchSize,
            int temporalPatchSize, int spatialMergeSize, int inChannels, int windowSize, int[] fullAttentionBlocks, double ropeTheta) implements VisionShape {

        public int headDim() {
            return embedDim / numHeads;
        }

        public boolean fullAttention(int block) {
            for (int b : fullAttentionBlocks) {
                if (b == block) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * {@code qwen2_vl}: the Qwen2-VL / Qwen2.5-VL chat template with its default system prompt and the assistant turn
     * open, as {@code apply_chat_template(..., add_generation_prompt=True)} renders one image and one text turn.
     */
    public static final java.util.Map<String, String> TEMPLATES = java.util.Map.of("qwen2_vl",
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                    + "<|vision_start|><|image_pad|><|vision_end|>{question}<|im_end|>\n<|im_start|>assistant\n");

    @Override
    public String defaultTemplate() {
        return "qwen2_vl";
    }

    /** Qwen2-VL's and Qwen2.5-VL's numbers are reproduced with lmms-eval's default prompts. */
    @Override
    public String promptSuffixMode() {
        return "qwen2_vl";
    }

    /** {@code <|vision_start|>}, {@code <|image_pad|>} and {@code <|vision_end|>}. */
    @Override
    public long[] imageTokenIds() {
        return new long[] {visionStartTokenId, imageTokenId, visionEndTokenId};
    }

    @Override
    public String modelType() {
        return qwen25 ? "qwen2_5_vl" : "qwen2_vl";
    }

    /** Parameters of the vision tower without its patch merger (which {@code info} reports as the projector). */
    @Override
    public long visionParameterCount() {
        VisionConfig v = vision;
        long d = v.embedDim();
        long norms = qwen25 ? d : 2 * d;
        long mlp = qwen25 ? 3 * d * v.mlpHidden() + 2L * v.mlpHidden() + d : 2 * d * v.mlpHidden() + v.mlpHidden() + d;
        long block = 2 * norms + 3 * d * d + 3 * d + d * d + d + mlp;
        return (long) v.patchDim() * d + block * v.depth();
    }

    /** Parameters of the patch merger: {@code ln_q} and the two-layer MLP from {@code m^2 d} to the LLM's width. */
    @Override
    public long projectorParameterCount() {
        long d = vision.embedDim();
        long merged = d * vision.spatialMergeSize() * vision.spatialMergeSize();
        return (qwen25 ? d : 2 * d) + merged * merged + merged + merged * vision.outHiddenSize() + vision.outHiddenSize();
    }

    @Override
    public String decoderType() {
        return "qwen2";
    }

    @Override
    public List<String> visionSummary() {
        VisionConfig v = vision;
        String attention = qwen25 ? String.format(", window %d px, full attention in blocks %s", v.windowSize(),
                java.util.Arrays.toString(v.fullAttentionBlocks())) : "";
        int unit = v.patchSize() * v.spatialMergeSize();
        return List.of(
                String.format("vision tower: %s vit, %d blocks, %d heads, hidden %d, mlp %d (%s), patch %d x %d frames%s", modelType(), v.depth(),
                        v.numHeads(), v.embedDim(), v.mlpHidden(), v.hiddenAct(), v.patchSize(), v.temporalPatchSize(), attention),
                String.format("projector: patch merger %dx%d -> %d", v.spatialMergeSize(), v.spatialMergeSize(), v.outHiddenSize()),
                String.format("image tokens: dynamic, (H/%d) x (W/%d) per image after smart_resize (min/max_pixels of preprocessor_config.json)",
                        unit, unit));
    }

    public static Qwen2VlConfig load(Path file) {
        return parse(file, JsonFields.read(file));
    }

    private static double visionTheta(JsonFields v) {
        JsonObject rope = v.object("rope_parameters");
        return rope == null ? 10000.0 : new JsonFields(v.file(), rope, v.prefix() + "rope_parameters.").number("rope_theta", 10000.0);
    }

    public static Qwen2VlConfig parse(Path file, JsonObject root) {
        JsonFields top = new JsonFields(file, root, "");
        String type = top.str("model_type", "");
        if (!type.equals("qwen2_vl") && !type.equals("qwen2_5_vl")) {
            throw CheckpointException.of(file, "field 'model_type' is \"" + type + "\"; expected qwen2_vl or qwen2_5_vl");
        }
        boolean qwen25 = type.equals("qwen2_5_vl");
        JsonObject tj = top.object("text_config");
        JsonFields t = tj == null ? top : new JsonFields(file, tj, "text_config.");
        JsonObject rope = t.object("rope_parameters") != null ? t.object("rope_parameters") : t.object("rope_scaling") != null ? t.object("rope_scaling")
                : top.object("rope_parameters") != null ? top.object("rope_parameters") : top.object("rope_scaling");
        JsonFields r = rope == null ? null : new JsonFields(file, rope, t.prefix() + (t.object("rope_parameters") != null ? "rope_parameters." : "rope_scaling."));
        String ropeType = r == null ? "default" : r.str("rope_type", r.str("type", "default"));
        if (!ropeType.equals("default") && !ropeType.equals("mrope")) {
            throw CheckpointException.of(file, "field '" + r.prefix() + "rope_type' is \"" + ropeType + "\"; only the default multimodal rotary is supported");
        }
        int[] section = r == null ? new int[] {16, 24, 24} : r.ints("mrope_section", new int[] {16, 24, 24});
        double theta = r != null && r.has("rope_theta") ? r.number("rope_theta", 1e6) : t.number("rope_theta", top.number("rope_theta", 1e6));
        TextConfig.Sizes sizes = TextConfig.Sizes.read(t, new TextConfig.Sizes(top.integer("vocab_size", 152064), 8192, 29568, 80, 64, 0, "silu", 32768, 1e-5));
        int heads = sizes.heads();
        int hidden = sizes.hidden();
        int kvHeads = sizes.kvHeads();
        boolean tied = top.bool("tie_word_embeddings", false) || t.bool("tie_word_embeddings", false);
        boolean sliding = t.bool("use_sliding_window", false);
        TextConfig text = TextConfig.of(sizes, theta, true, false, tied, t.integer("bos_token_id", 151643),
                t.ints("eos_token_id", top.ints("eos_token_id", new int[] {151645})), t.str("_name_or_path", top.str("_name_or_path", "")), section,
                sliding ? t.integer("sliding_window", 4096) : 0, hidden / Math.max(1, heads), false, false);
        if (!text.hiddenAct().equals("silu")) {
            throw CheckpointException.of(file, "field '" + t.prefix() + "hidden_act' is \"" + text.hiddenAct() + "\"; supported: silu");
        }
        if (sliding) {
            throw CheckpointException.of(file, "field '" + t.prefix() + "use_sliding_window' is true; Qwen2-VL's sliding-window layers are not supported");
        }
        JsonFields.positive(file, t.prefix() + "hidden_size", hidden);
        JsonFields.positive(file, t.prefix() + "num_attention_heads", heads);
        JsonFields.positive(file, t.prefix() + "num_key_value_heads", kvHeads);
        JsonFields.positive(file, t.prefix() + "num_hidden_layers", text.numHiddenLayers());
        if (hidden % heads != 0 || heads % kvHeads != 0) {
            throw CheckpointException.of(file, t.prefix() + "hidden_size " + hidden + ", num_attention_heads " + heads + ", num_key_value_heads " + kvHeads
                    + ": heads must divide the hidden size and kv heads the heads");
        }
        int sum = 0;
        for (int s : section) {
            sum += s;
        }
        if (section.length != 3 || sum != text.headDim() / 2) {
            throw CheckpointException.of(file, "field 'mrope_section' " + java.util.Arrays.toString(section) + " must be 3 sections summing to head_dim/2 = "
                    + text.headDim() / 2);
        }

        JsonObject vj = top.object("vision_config");
        if (vj == null) {
            throw CheckpointException.of(file, "field 'vision_config' is missing");
        }
        JsonFields v = new JsonFields(file, vj, "vision_config.");
        VisionConfig vision;
        if (qwen25) {
            int d = v.integer("hidden_size", 3584);
            vision = new VisionConfig(v.integer("depth", 32), d, v.integer("out_hidden_size", 3584), v.integer("num_heads", 16),
                    v.integer("intermediate_size", 3420), v.str("hidden_act", "silu"), v.integer("patch_size", 14), v.integer("temporal_patch_size", 2),
                    v.integer("spatial_merge_size", 2), v.integer("in_channels", 3), v.integer("window_size", 112),
                    v.ints("fullatt_block_indexes", new int[] {7, 15, 23, 31}), visionTheta(v));
        } else {
            int d = v.integer("embed_dim", 1280);
            int depth = v.integer("depth", 32);
            int[] all = new int[depth];
            for (int i = 0; i < depth; i++) {
                all[i] = i;
            }
            vision = new VisionConfig(depth, d, v.integer("hidden_size", 3584), v.integer("num_heads", 16), d * v.integer("mlp_ratio", 4),
                    v.str("hidden_act", "quick_gelu"), v.integer("patch_size", 14), v.integer("temporal_patch_size", 2), v.integer("spatial_merge_size", 2),
                    v.integer("in_channels", 3), 0, all, visionTheta(v));
        }
        if (!List.of("quick_gelu", "silu", "gelu").contains(vision.hiddenAct())) {
            throw CheckpointException.of(file, "field 'vision_config.hidden_act' is \"" + vision.hiddenAct() + "\"; supported: quick_gelu, silu, gelu");
        }
        JsonFields.positive(file, "vision_config.num_heads", vision.numHeads());
        if (vision.embedDim() % vision.numHeads() != 0 || vision.headDim() % 4 != 0) {
            throw CheckpointException.of(file, "vision_config: head dim " + vision.embedDim() + "/" + vision.numHeads() + " must be a multiple of 4 (2-D rotary)");
        }
        if (vision.outHiddenSize() != hidden) {
            throw CheckpointException.of(file, "field 'vision_config." + (qwen25 ? "out_hidden_size" : "hidden_size") + "' " + vision.outHiddenSize()
                    + " must equal the language model's hidden_size " + hidden);
        }
        if (qwen25 && vision.windowSize() % (vision.patchSize() * vision.spatialMergeSize()) != 0) {
            throw CheckpointException.of(file, "field 'vision_config.window_size' " + vision.windowSize() + " must be a multiple of patch_size x spatial_merge_size");
        }
        return new Qwen2VlConfig(file, qwen25, text, vision, top.integer("image_token_id", 151655), top.integer("video_token_id", 151656),
                top.integer("vision_start_token_id", 151652),
                top.integer("vision_end_token_id", 151653), top.str("torch_dtype", top.str("dtype", t.str("torch_dtype", "bfloat16"))));
    }
}
