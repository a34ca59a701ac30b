package sinkscope.model.clip;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Set;
import sinkscope.model.CheckpointException;
import sinkscope.model.JsonFields;
import sinkscope.model.TextConfig;

/**
 * The fields of a llava-hf {@code config.json} that the CLIP-tower families (LLaVA-1.5, LLaVA-NeXT) share: a LLaMA or
 * Mistral {@code text_config}, a CLIP {@code vision_config}, the {@code <image>} id, the projector's activation and
 * the vision feature layer and strategy, with absent fields filled by the defaults Hugging Face transformers uses
 * (LlavaConfig, LlamaConfig, CLIPVisionConfig). Values SinkScope cannot run (another model type or activation, rope
 * scaling, head counts that do not divide) are errors naming the file and the field.
 */
public record ClipLmmConfig(
        Path file,
        TextConfig text,
        ClipVisionConfig vision,
        int imageTokenIndex,
        Integer padTokenId,
        String projectorHiddenAct,
        int visionFeatureLayer,
        String visionFeatureSelectStrategy,
        String torchDtype) {

    /**
     * The other names a weight of the v4.41 llava-hf layout ({@code language_model.model.*},
     * {@code language_model.lm_head.*}, {@code vision_tower.*}, {@code multi_modal_projector.*}) is stored under
     * in the v4.52+ layout ({@code model.language_model.*}, {@code lm_head.*}, {@code model.vision_tower.*}).
     */
    public static String[] aliases(String name) {
        if (name.startsWith("language_model.model.")) {
            return new String[] {"model.language_model." + name.substring("language_model.model.".length())};
        }
        if (name.startsWith("language_model.lm_head.")) {
            return new String[] {name.substring("language_model.".length())};
        }
        if (name.startsWith("vision_tower.vision_model.")) {
            // transformers 5 saves CLIPVisionModel without its vision_model level
            String flat = "vision_tower." + name.substring("vision_tower.vision_model.".length());
            return new String[] {"model." + name, flat, "model." + flat};
        }
        if (name.startsWith("vision_tower.") || name.startsWith("multi_modal_projector.") || name.equals("image_newline")) {
            return new String[] {"model." + name};
        }
        return new String[0];
    }

    private static final Set<String> TEXT_ACTS = Set.of("silu");
    private static final Set<String> VISION_ACTS = Set.of("quick_gelu", "gelu");
    private static final Set<String> PROJECTOR_ACTS = Set.of("gelu", "gelu_pytorch_tanh", "quick_gelu", "relu", "silu");

    /** Number of image rows one {@code <image>} placeholder expands to in the decoder. */
    public int numImageTokens() {
        return vision.numPatches() + (visionFeatureSelectStrategy.equals("full") ? 1 : 0);
    }

    /** Index into the vision tower's hidden states (0 = embeddings after pre_layrnorm) of the selected feature layer. */
    public int visionFeatureIndex() {
        return visionFeatureLayer < 0 ? vision.numHiddenLayers() + 1 + visionFeatureLayer : visionFeatureLayer;
    }

    /** Parameters of the two-layer projector. */
    public long projectorParameterCount() {
        return (long) vision.hiddenSize() * text.hiddenSize() + text.hiddenSize() + (long) text.hiddenSize() * text.hiddenSize() + text.hiddenSize();
    }

    /** The vision tower's line of {@code info}'s summary; {@code image} names the input ({@code image}, {@code tile}). */
    public String towerSummary(String image) {
        ClipVisionConfig v = vision;
        return String.format("vision tower: clip, %d layers, %d heads, hidden %d, %s %dx%d, patch %d, feature layer %d (%s)", v.numHiddenLayers(),
                v.numAttentionHeads(), v.hiddenSize(), image, v.imageSize(), v.imageSize(), v.patchSize(), visionFeatureLayer, visionFeatureSelectStrategy);
    }

    /**
     * The LLaVA fields of a llava-hf config whose {@code model_type} must be {@code modelType} ({@code llava},
     * {@code llava_next}) and whose {@code text_config.model_type} one of {@code textTypes} ({@code llama},
     * {@code mistral}: Mistral's {@code sliding_window} becomes {@link TextConfig#slidingWindow()}).
     */
    public static ClipLmmConfig parse(Path file, JsonObject root, String modelType0, Set<String> textTypes) {
        JsonFields top = new JsonFields(file, root, "");
        String modelType = top.str("model_type", null);
        if (modelType == null) {
            throw CheckpointException.of(file, "field 'model_type' is missing (expected \"" + modelType0 + "\")");
        }
        if (!modelType.equals(modelType0)) {
            throw CheckpointException.of(file, "field 'model_type' is \"" + modelType + "\"; expected \"" + modelType0 + "\"");
        }
        JsonObject tj = root.has("text_config") && root.get("text_config").isJsonObject() ? root.getAsJsonObject("text_config") : new JsonObject();
        JsonObject vj = root.has("vision_config") && root.get("vision_config").isJsonObject() ? root.getAsJsonObject("vision_config") : null;
        JsonFields t = new JsonFields(file, tj, "text_config.");
        String textType = t.str("model_type", "llama");
        if (!textTypes.contains(textType)) {
            throw CheckpointException.of(file, "field 'text_config.model_type' is \"" + textType + "\"; supported decoders: " + new java.util.TreeSet<>(textTypes));
        }
        // transformers 5 writes rope_theta inside rope_parameters
        JsonObject ropeParams = t.object("rope_parameters");
        double ropeTheta = ropeParams != null && ropeParams.has("rope_theta") ? new JsonFields(file, ropeParams, "text_config.rope_parameters.").number("rope_theta", 10000.0)
                : t.number("rope_theta", 10000.0);
        if (ropeParams != null && ropeParams.has("rope_type") && !ropeParams.get("rope_type").getAsString().equals("default")) {
            throw CheckpointException.of(file, "field 'text_config.rope_parameters.rope_type' is " + ropeParams.get("rope_type") + "; rope scaling is not supported");
        }
        int window = textType.equals("mistral") && t.has("sliding_window") && !t.isNull("sliding_window") ? t.integer("sliding_window", 4096) : 0;
        int topVocab = top.integer("vocab_size", -1);
        TextConfig.Sizes sizes = TextConfig.Sizes.read(t, new TextConfig.Sizes(topVocab > 0 ? topVocab : 32000, 4096, 11008, 32, 32, 0, "silu", 2048, 1e-6));
        int heads = sizes.heads();
        int hidden = sizes.hidden();
        int kvHeads = sizes.kvHeads();
        boolean bias = t.bool("attention_bias", false);
        TextConfig text = TextConfig.of(sizes, ropeTheta, bias, bias, t.bool("tie_word_embeddings", false), t.integer("bos_token_id", 1),
                new int[] {t.integer("eos_token_id", 2)}, t.str("_name_or_path", ""), null, window, hidden / Math.max(1, heads), false, false);
        if (t.has("head_dim") && !t.isNull("head_dim") && t.integer("head_dim", 0) != hidden / Math.max(1, heads)) {
            throw CheckpointException.of(file, "field 'text_config.head_dim' " + t.integer("head_dim", 0) + " differs from hidden_size / num_attention_heads "
                    + hidden / Math.max(1, heads) + "; only head_dim = hidden_size / num_attention_heads is supported");
        }
        if (window < 0) {
            throw CheckpointException.of(file, "field 'text_config.sliding_window' must be positive or null, got " + window);
        }
        if (!TEXT_ACTS.contains(text.hiddenAct())) {
            throw CheckpointException.of(file, "field 'text_config.hidden_act' is \"" + text.hiddenAct() + "\"; supported: " + TEXT_ACTS);
        }
        if (t.has("rope_scaling") && !t.isNull("rope_scaling")) {
            throw CheckpointException.of(file, "field 'text_config.rope_scaling' is set (" + tj.get("rope_scaling") + "); rope scaling is not supported");
        }
        if (t.has("pretraining_tp") && t.integer("pretraining_tp", 1) != 1) {
            throw CheckpointException.of(file, "field 'text_config.pretraining_tp' must be 1");
        }
        positive(file, "text_config.hidden_size", text.hiddenSize());
        positive(file, "text_config.num_attention_heads", heads);
        positive(file, "text_config.num_key_value_heads", kvHeads);
        positive(file, "text_config.num_hidden_layers", text.numHiddenLayers());
        positive(file, "text_config.intermediate_size", text.intermediateSize());
        positive(file, "text_config.vocab_size", text.vocabSize());
        if (hidden % heads != 0) {
            throw CheckpointException.of(file, "field 'text_config.hidden_size' " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        if (heads % kvHeads != 0) {
            throw CheckpointException.of(file, "field 'text_config.num_key_value_heads' " + kvHeads + " does not divide num_attention_heads " + heads);
        }
        if (text.headDim() % 2 != 0) {
            throw CheckpointException.of(file, "text_config: head dim " + text.headDim() + " must be even for rotary embeddings");
        }

        ClipVisionConfig vision;
        if (vj == null) {
            // LlavaConfig's default vision tower: CLIP ViT-L/14 at 336 px.
            vision = new ClipVisionConfig(1024, 4096, 24, 16, 336, 14, 3, "quick_gelu", 1e-5);
        } else {
            JsonFields v = new JsonFields(file, vj, "vision_config.");
            String visionType = v.str("model_type", "clip_vision_model");
            if (!visionType.equals("clip_vision_model")) {
                throw CheckpointException.of(file, "field 'vision_config.model_type' is \"" + visionType + "\"; only clip_vision_model is supported");
            }
            vision = new ClipVisionConfig(
                    v.integer("hidden_size", 768),
                    v.integer("intermediate_size", 3072),
                    v.integer("num_hidden_layers", 12),
                    v.integer("num_attention_heads", 12),
                    v.integer("image_size", 224),
                    v.integer("patch_size", 32),
                    v.integer("num_channels", 3),
                    v.str("hidden_act", "quick_gelu"),
                    v.number("layer_norm_eps", 1e-5));
            if (!VISION_ACTS.contains(vision.hiddenAct())) {
                throw CheckpointException.of(file, "field 'vision_config.hidden_act' is \"" + vision.hiddenAct() + "\"; supported: " + VISION_ACTS);
            }
        }
        positive(file, "vision_config.hidden_size", vision.hiddenSize());
        positive(file, "vision_config.num_attention_heads", vision.numAttentionHeads());
        positive(file, "vision_config.patch_size", vision.patchSize());
        if (vision.hiddenSize() % vision.numAttentionHeads() != 0) {
            throw CheckpointException.of(file, "field 'vision_config.hidden_size' " + vision.hiddenSize() + " is not a multiple of num_attention_heads "
                    + vision.numAttentionHeads());
        }
        if (vision.imageSize() % vision.patchSize() != 0) {
            throw CheckpointException.of(file, "field 'vision_config.image_size' " + vision.imageSize() + " is not a multiple of patch_size " + vision.patchSize());
        }
        if (vision.numChannels() != 3) {
            throw CheckpointException.of(file, "field 'vision_config.num_channels' must be 3");
        }

        String strategy = top.str("vision_feature_select_strategy", "default");
        if (!strategy.equals("default") && !strategy.equals("full")) {
            throw CheckpointException.of(file, "field 'vision_feature_select_strategy' is \"" + strategy + "\"; expected \"default\" or \"full\"");
        }
        String projectorAct = top.str("projector_hidden_act", "gelu");
        if (!PROJECTOR_ACTS.contains(projectorAct)) {
            throw CheckpointException.of(file, "field 'projector_hidden_act' is \"" + projectorAct + "\"; supported: " + PROJECTOR_ACTS);
        }
        int featureLayer = top.integer("vision_feature_layer", -2);
        int featureIndex = featureLayer < 0 ? vision.numHiddenLayers() + 1 + featureLayer : featureLayer;
        if (featureIndex < 0 || featureIndex > vision.numHiddenLayers()) {
            throw CheckpointException.of(file, "field 'vision_feature_layer' " + featureLayer + " is outside the " + vision.numHiddenLayers()
                    + "-layer vision tower");
        }
        Integer pad = top.has("pad_token_id") && !top.isNull("pad_token_id") ? top.integer("pad_token_id", 0) : null;
        return new ClipLmmConfig(file, text, vision, top.integer("image_token_index", 32000), pad, projectorAct, featureLayer, strategy,
                top.str("torch_dtype", top.str("dtype", t.str("torch_dtype", "float32"))));
    }

    private static void positive(Path file, String field, int value) {
        if (value <= 0) {
            throw CheckpointException.of(file, "field '" + field + "' must be positive, got " + value);
        }
    }
}
