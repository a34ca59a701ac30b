package sinkscope.model.internvl;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.CheckpointException;
import sinkscope.model.JsonFields;
import sinkscope.model.ModelConfig;
import sinkscope.model.TextConfig;

/**
 * {@code config.json} of an InternVL "-hf" checkpoint ({@code InternVLForConditionalGeneration}, {@code model_type}
 * {@code internvl}: InternVL2.5/3/3.5): the InternViT {@code vision_config}, the pixel-shuffle {@code downsample_ratio},
 * the projector's activation, the {@code <IMG_CONTEXT>} id ({@code image_token_id}), the tokens per tile
 * ({@code image_seq_length} = {@code (image_size / patch_size * downsample_ratio)^2}) and a {@code text_config} for
 * the shared decoder: Qwen2 ({@code qwen2}, InternVL2.5/3: q/k/v biases), LLaMA ({@code llama}: {@code attention_bias}
 * on q/k/v/o) or Qwen3 ({@code qwen3}, InternVL3.5: per-head q/k RMSNorm {@code self_attn.q_norm}/{@code k_norm} over
 * an explicit {@code head_dim}, {@code attention_bias} on q/k/v/o, default false). Absent fields take the released
 * values (Qwen2/Qwen3: rope theta 1e6; Qwen3: {@code head_dim} 128, transformers' Qwen3Config default) and an untied
 * {@code lm_head} unless {@code tie_word_embeddings} (top level or {@code text_config}) says otherwise, as
 * InternVL3.5-1B/2B-HF ship it. Only {@code vision_feature_layer -1} (the last layer) and
 * {@code vision_feature_select_strategy default} (CLS dropped), as released, are supported.
 *
 * @param decoder {@code text_config.model_type} ({@code qwen2}, {@code qwen3} or {@code llama})
 */
public record InternVlConfig(Path file, TextConfig text, VisionConfig vision, String decoder, int imageTokenId, int imageSeqLength,
        double downsampleRatio, String projectorHiddenAct, String torchDtype) implements ModelConfig {

    /**
     * InternViT's hyper-parameters ({@code InternVLVisionConfig}).
     *
     * @param normType {@code layer_norm} or {@code rms_norm} (InternViT-6B) for the pre-norms and q/k norms
     * @param useQkNorm whether q and k pass an RMSNorm over the whole width before the heads split
     * @param useMeanPooling true: no final layernorm on the last hidden state (as released)
     */
    public record VisionConfig(int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize, boolean attentionBias, boolean useQkNorm,
            String normType, double layerNormEps, int imageSize, int patchSize, String hiddenAct, boolean useMeanPooling) {

        /** Patches per tile side. */
        public int gridSize() {
            return imageSize / patchSize;
        }
    }

    public static InternVlConfig load(Path file) {
        return parse(file, JsonFields.read(file));
    }

    public static InternVlConfig parse(Path file, JsonObject root) {
        JsonFields top = new JsonFields(file, root, "");
        if (!top.str("model_type", "").equals("internvl")) {
            throw CheckpointException.of(file, "field 'model_type' is \"" + top.str("model_type", "") + "\"; expected internvl");
        }
        JsonObject vj = top.object("vision_config");
        JsonObject tj = top.object("text_config");
        if (vj == null || tj == null) {
            throw CheckpointException.of(file, "field '" + (vj == null ? "vision_config" : "text_config") + "' is missing");
        }
        JsonFields v = new JsonFields(file, vj, "vision_config.");
        int imageSize = side(file, vj, "image_size", 448);
        int patch = side(file, vj, "patch_size", 14);
        String norm = v.str("norm_type", "layer_norm");
        if (!norm.equals("layer_norm") && !norm.equals("rms_norm")) {
            throw CheckpointException.of(file, "field 'vision_config.norm_type' is \"" + norm + "\"; supported: layer_norm, rms_norm");
        }
        if (!v.bool("use_absolute_position_embeddings", true)) {
            throw CheckpointException.of(file, "field 'vision_config.use_absolute_position_embeddings' is false; InternViT without them is not supported");
        }
        VisionConfig vision = new VisionConfig(v.integer("hidden_size", 1024), v.integer("num_hidden_layers", 24), v.integer("num_attention_heads", 16),
                v.integer("intermediate_size", 4096), v.bool("attention_bias", false), v.bool("use_qk_norm", false), norm, v.number("layer_norm_eps", 1e-6),
                imageSize, patch, v.str("hidden_act", "gelu"), v.bool("use_mean_pooling", true));
        JsonFields.positive(file, "vision_config.hidden_size", vision.hiddenSize());
        JsonFields.positive(file, "vision_config.num_attention_heads", vision.numAttentionHeads());
        if (vision.hiddenSize() % vision.numAttentionHeads() != 0) {
            throw CheckpointException.of(file, "vision_config.hidden_size " + vision.hiddenSize() + " is not a multiple of num_attention_heads "
                    + vision.numAttentionHeads());
        }
        double ratio = top.number("downsample_ratio", 0.5);
        int grid = imageSize / patch;
        if (imageSize % patch != 0 || ratio != 0.5 || grid % 2 != 0) {
            throw CheckpointException.of(file, "image_size " + imageSize + ", patch_size " + patch + ", downsample_ratio " + ratio
                    + ": the pixel shuffle needs an even patch grid and ratio 0.5");
        }
        int perTile = grid * grid / 4;
        int seq = top.integer("image_seq_length", perTile);
        if (seq != perTile) {
            throw CheckpointException.of(file, "field 'image_seq_length' " + seq + " differs from (image_size / patch_size * downsample_ratio)^2 = " + perTile);
        }
        int layer = top.integer("vision_feature_layer", -1);
        if (layer != -1) {
            throw CheckpointException.of(file, "field 'vision_feature_layer' is " + layer + "; only -1 (the last layer) is supported");
        }
        String select = top.str("vision_feature_select_strategy", "default");
        if (!select.equals("default")) {
            throw CheckpointException.of(file, "field 'vision_feature_select_strategy' is \"" + select + "\"; only default (CLS dropped) is supported");
        }
        JsonFields t = new JsonFields(file, tj, "text_config.");
        String decoder = t.str("model_type", "qwen2");
        if (!decoder.equals("qwen2") && !decoder.equals("qwen3") && !decoder.equals("llama")) {
            throw CheckpointException.of(file, "field 'text_config.model_type' is \"" + decoder + "\"; supported decoders: llama, qwen2, qwen3");
        }
        boolean qwen2 = decoder.equals("qwen2");
        boolean qwen3 = decoder.equals("qwen3");
        JsonObject rope = t.object("rope_parameters") != null ? t.object("rope_parameters") : t.object("rope_scaling");
        if (rope != null && rope.has("rope_type") && !rope.get("rope_type").getAsString().equals("default")) {
            throw CheckpointException.of(file, "field 'text_config.rope_parameters.rope_type' is " + rope.get("rope_type") + "; rope scaling is not supported");
        }
        double theta = rope != null && rope.has("rope_theta") ? rope.get("rope_theta").getAsDouble() : t.number("rope_theta", qwen2 || qwen3 ? 1e6 : 10000.0);
        if (t.bool("use_sliding_window", false)) {
            throw CheckpointException.of(file, "field 'text_config.use_sliding_window' is true; sliding-window layers are not supported");
        }
        // absent sizes: InternVL3-2B-hf's Qwen2 or InternVL3.5-1B-HF's Qwen3 decoder
        TextConfig.Sizes sizes = TextConfig.Sizes.read(t, qwen3 ? new TextConfig.Sizes(151936, 1024, 3072, 28, 16, 0, "silu", 40960, 1e-6)
                : new TextConfig.Sizes(151674, 2048, 8960, 28, 16, 0, "silu", 32768, 1e-6));
        int heads = sizes.heads();
        int hidden = sizes.hidden();
        int kv = sizes.kvHeads();
        JsonFields.positive(file, "text_config.hidden_size", hidden);
        JsonFields.positive(file, "text_config.num_attention_heads", heads);
        JsonFields.positive(file, "text_config.num_key_value_heads", kv);
        boolean explicitHeadDim = t.has("head_dim") && !t.isNull("head_dim");
        int headDim = qwen3 ? t.integer("head_dim", 128) : hidden / heads;
        if (!qwen3 && explicitHeadDim && t.integer("head_dim", 0) != headDim) {
            throw CheckpointException.of(file, "field 'text_config.head_dim' " + t.integer("head_dim", 0) + " differs from hidden_size / num_attention_heads");
        }
        if (qwen3) {
            JsonFields.positive(file, "text_config.head_dim", headDim);
        }
        if ((!qwen3 && hidden % heads != 0) || heads % kv != 0 || headDim % 2 != 0) {
            throw CheckpointException.of(file, "text_config: hidden_size " + hidden + ", num_attention_heads " + heads + ", num_key_value_heads " + kv
                    + ", head_dim " + headDim + " do not split into whole heads, groups and rotary pairs");
        }
        boolean bias = qwen2 || t.bool("attention_bias", false);
        TextConfig text = TextConfig.of(sizes, theta, bias, !qwen2 && bias, top.bool("tie_word_embeddings", false) || t.bool("tie_word_embeddings", false),
                t.integer("bos_token_id", 151643), t.ints("eos_token_id", new int[] {151645}), t.str("_name_or_path", top.str("_name_or_path", "")), null, 0,
                headDim, qwen3, false);
        if (!text.hiddenAct().equals("silu")) {
            throw CheckpointException.of(file, "field 'text_config.hidden_act' is \"" + text.hiddenAct() + "\"; supported: silu");
        }
        return new InternVlConfig(file, text, vision, decoder, top.integer("image_token_id", 151667), seq, ratio, top.str("projector_hidden_act", "gelu"),
                top.str("torch_dtype", top.str("dtype", "float32")));
    }

    /** {@code image_size}/{@code patch_size}: a number or a square {@code [h, w]}. */
    private static int side(Path file, JsonObject o, String k, int fallback) {
        if (!o.has(k) || o.get(k).isJsonNull()) {
            return fallback;
        }
        if (o.get(k).isJsonArray()) {
            var a = o.getAsJsonArray(k);
            if (a.size() != 2 || a.get(0).getAsInt() != a.get(1).getAsInt()) {
                throw CheckpointException.of(file, "field 'vision_config." + k + "' is " + a + "; only square sizes are supported");
            }
            return a.get(0).getAsInt();
        }
        return new JsonFields(file, o, "vision_config.").integer(k, fallback);
    }

    /**
     * InternVL's evaluation scripts ({@code internvl_chat/eval}) ask LLaVA-1.5's short-answer and option-letter prompts
     * and MM-Vet without a reasoning pre-prompt: LLaVA's mode.
     */
    @Override
    public String promptSuffixMode() {
        return "llava";
    }

    @Override
    public String modelType() {
        return "internvl";
    }

    @Override
    public String decoderType() {
        return decoder;
    }

    /** {@code internvl}: InternVL-hf's chat format, one user turn, the image as {@code <IMG_CONTEXT>\n} before the question. */
    public static final java.util.Map<String, String> TEMPLATES = java.util.Map.of("internvl", InternVl.CHAT_TEMPLATE);

    @Override
    public String defaultTemplate() {
        return "internvl";
    }

    /** {@code <IMG_CONTEXT>} (the config names no {@code <img>}/{@code </img>} ids; a text-only prompt keeps those two). */
    @Override
    public long[] imageTokenIds() {
        return new long[] {imageTokenId};
    }

    /** InternViT: patch conv, CLS, positions, per layer the norms, q/k/v/projection, q/k norms, MLP, the two layer scales. */
    @Override
    public long visionParameterCount() {
        VisionConfig v = vision;
        long d = v.hiddenSize();
        long normParams = v.normType().equals("layer_norm") ? 2 * d : d;
        long perLayer = 2 * normParams + 4 * d * d + d + (v.attentionBias() ? 3 * d : 0) + (v.useQkNorm() ? 2 * d : 0) + 2 * d * v.intermediateSize()
                + v.intermediateSize() + d + 2 * d;
        long grid = v.gridSize();
        return 3L * v.patchSize() * v.patchSize() * d + d + d + (grid * grid + 1) * d + perLayer * v.numHiddenLayers();
    }

    /** The projector: LayerNorm over {@code 4 d_v}, {@code linear_1} to the decoder width, {@code linear_2}. */
    @Override
    public long projectorParameterCount() {
        long in = 4L * vision.hiddenSize();
        long d = text.hiddenSize();
        return 2 * in + in * d + d + d * d + d;
    }

    @Override
    public List<String> visionSummary() {
        VisionConfig v = vision;
        return List.of(
                String.format("vision tower: InternViT, %d layers, %d heads, hidden %d, mlp %d (%s), %s%s, layer scale, tile %dx%d, patch %d", v.numHiddenLayers(),
                        v.numAttentionHeads(), v.hiddenSize(), v.intermediateSize(), v.hiddenAct(), v.normType(), v.useQkNorm() ? ", q/k norm" : "",
                        v.imageSize(), v.imageSize(), v.patchSize()),
                String.format("projector: pixel shuffle %.1f, layer_norm + mlp2x_%s -> %d; decoder %s", downsampleRatio, projectorHiddenAct,
                        text.hiddenSize(), decoder),
                String.format("image tokens: %d per tile (<img> + <IMG_CONTEXT> x %d x tiles + </img>); tiles by aspect ratio up to max_patches "
                        + "(preprocessor_config.json), plus a thumbnail when more than one", imageSeqLength, imageSeqLength));
    }
}
