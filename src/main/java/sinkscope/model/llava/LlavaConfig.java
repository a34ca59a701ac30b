package sinkscope.model.llava;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import sinkscope.model.CheckpointException;
import sinkscope.model.JsonFields;
import sinkscope.model.ModelConfig;
import sinkscope.model.TextConfig;

/**
 * {@code config.json} of a llava-hf checkpoint ({@code LlavaForConditionalGeneration}): a LLaMA {@code text_config}
 * and a CLIP {@code vision_config}, with absent fields filled by the defaults Hugging Face transformers uses
 * (LlavaConfig, LlamaConfig, CLIPVisionConfig). Values SinkScope cannot run (another model type or activation,
 * rope scaling, head counts that do not divide) are errors naming the file and the field.
 */
public record LlavaConfig(
        Path file,
        TextConfig text,
        VisionConfig vision,
        int imageTokenIndex,
        Integer padTokenId,
        String projectorHiddenAct,
        int visionFeatureLayer,
        String visionFeatureSelectStrategy,
        String torchDtype,
        Original original) implements ModelConfig {

    /** The original image token id of LLaVA's code ({@code IMAGE_TOKEN_INDEX}), spliced between the prompt's pieces. */
    public static final int ORIGINAL_IMAGE_TOKEN = -200;

    /** The system property {@code --vision-tower DIR} sets: the CLIP directory of an original-layout checkpoint. */
    public static final String VISION_TOWER_PROPERTY = "sinkscope.visionTower";

    /**
     * What an original-layout checkpoint ({@code LlavaLlamaForCausalLM}, liuhaotian's release) adds: the separate
     * CLIP directory the vision tower is read from, and the config's {@code image_aspect_ratio}.
     */
    public record Original(Path visionTower, String imageAspectRatio) {}

    public LlavaConfig(Path file, TextConfig text, VisionConfig vision, int imageTokenIndex, Integer padTokenId, String projectorHiddenAct,
            int visionFeatureLayer, String visionFeatureSelectStrategy, String torchDtype) {
        this(file, text, vision, imageTokenIndex, padTokenId, projectorHiddenAct, visionFeatureLayer, visionFeatureSelectStrategy, torchDtype, null);
    }

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

    /** llava-hf's chat format. */
    public static final String LLAVA_HF = "USER: <image>\n{question} ASSISTANT:";
    /** LLaVA's {@code conv_vicuna_v1} system prompt. */
    public static final String VICUNA_V1_SYSTEM = "A chat between a curious human and an artificial intelligence "
            + "assistant. The assistant gives helpful, detailed, and polite answers to the human's questions.";

    /**
     * LLaVA's conversation formats by name: {@code llava_hf} ({@link #LLAVA_HF}); {@code vicuna_v1}, LLaVA's
     * {@code conv_vicuna_v1} (separator style TWO, {@code sep=" "}, {@code sep2="</s>"}) with the assistant turn open,
     * {@code system + " " + "USER: " + "<image>\n" + question + " " + "ASSISTANT:"} (the {@code </s>} separator only
     * follows a completed assistant message, so it never appears in a generation prompt); {@code plain},
     * {@code "<image>\n{question}"} ({@code conv_llava_plain}). LLaVA-NeXT's Vicuna checkpoints use them too.
     */
    public static final java.util.Map<String, String> TEMPLATES = orderedMap("llava_hf", LLAVA_HF, "vicuna_v1",
            VICUNA_V1_SYSTEM + " USER: <image>\n{question} ASSISTANT:", "plain", "<image>\n{question}");

    private static java.util.Map<String, String> orderedMap(String... kv) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The original eval scripts' conversation (conv_vicuna_v1) for the original layout, llava-hf's chat format otherwise. */
    @Override
    public String defaultTemplate() {
        return original() != null ? "vicuna_v1" : "llava_hf";
    }

    /** LLaVA-1.5's own evaluation prompts ({@code scripts/v1_5/eval}). */
    @Override
    public String promptSuffixMode() {
        return "llava";
    }

    /** {@code <image>} ({@code image_token_index}; the original code's {@code IMAGE_TOKEN_INDEX} for its checkpoints). */
    @Override
    public long[] imageTokenIds() {
        return new long[] {imageTokenIndex};
    }

    @Override
    public String modelType() {
        return "llava";
    }

    @Override
    public long visionParameterCount() {
        return vision.parameterCount();
    }

    @Override
    public java.util.List<String> visionSummary() {
        return java.util.List.of(
                String.format("vision tower: clip, %d layers, %d heads, hidden %d, image %dx%d, patch %d, feature layer %d (%s)", vision.numHiddenLayers(),
                        vision.numAttentionHeads(), vision.hiddenSize(), vision.imageSize(), vision.imageSize(), vision.patchSize(), visionFeatureLayer,
                        visionFeatureSelectStrategy),
                String.format("projector: mlp2x_%s", projectorHiddenAct),
                String.format("image tokens: %d per image (grid %dx%d)", numImageTokens(), vision.gridSize(), vision.gridSize()));
    }

    /** CLIP vision tower hyper-parameters. */
    public record VisionConfig(
            int hiddenSize,
            int intermediateSize,
            int numHiddenLayers,
            int numAttentionHeads,
            int imageSize,
            int patchSize,
            int numChannels,
            String hiddenAct,
            double layerNormEps) {

        public int headDim() {
            return hiddenSize / numAttentionHeads;
        }

        public int gridSize() {
            return imageSize / patchSize;
        }

        public int numPatches() {
            return gridSize() * gridSize();
        }

        /** Parameters of the whole CLIP vision model (all layers, post_layernorm included, as stored). */
        public long parameterCount() {
            long d = hiddenSize;
            long perLayer = 4 * (d * d + d) + 2 * d * intermediateSize + intermediateSize + d + 4 * d;
            long embed = (long) numChannels * patchSize * patchSize * d + d + (long) (numPatches() + 1) * d;
            return embed + 4 * d + perLayer * numHiddenLayers;
        }
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
        return visionFeatureLayer < 0 ? vision.numHiddenLayers + 1 + visionFeatureLayer : visionFeatureLayer;
    }

    /** Parameters of vision tower, projector and language model together. */
    public long parameterCount() {
        long projector = (long) vision.hiddenSize * text.hiddenSize() + text.hiddenSize() + (long) text.hiddenSize() * text.hiddenSize() + text.hiddenSize();
        return vision.parameterCount() + projector + text.parameterCount();
    }

    public static LlavaConfig load(Path file) {
        return parse(file, JsonFields.read(file));
    }

    /** A config given as JSON (e.g. built for a benchmark or a training run); {@code origin} names it in errors. */
    public static LlavaConfig parse(Path origin, JsonObject root) {
        return parseChecked(origin, root);
    }

    private static LlavaConfig parseChecked(Path file, JsonObject root) {
        if (isOriginalLayout(root)) {
            return parseOriginal(file, root);
        }
        return parse(file, root, "llava", Set.of("llama"));
    }

    /** Whether {@code root} is the original LLaVA config ({@code LlavaLlamaForCausalLM}: flat LLaMA fields and {@code mm_*}). */
    public static boolean isOriginalLayout(JsonObject root) {
        return !root.has("text_config") && (root.has("mm_vision_tower") || root.has("mm_projector_type"));
    }

    /**
     * The original layout, read as the equivalent llava-hf config: the flat LLaMA fields become {@code text_config},
     * the CLIP directory's config its {@code vision_config}; {@code mm_vision_select_layer} is
     * {@code vision_feature_layer}, {@code mm_vision_select_feature} {@code patch}/{@code cls_patch} the
     * {@code default}/{@code full} strategy, {@code mm_projector_type mlp2x_gelu} the projector; the image token is
     * LLaVA's {@code -200}. The CLIP directory: {@code -Dsinkscope.visionTower} ({@code --vision-tower DIR}), else
     * {@code mm_vision_tower} when it names a directory (absolute, or relative to the checkpoint).
     */
    static LlavaConfig parseOriginal(Path file, JsonObject root) {
        JsonFields top = new JsonFields(file, root, "");
        String modelType = top.str("model_type", "llava");
        if (!modelType.equals("llava")) {
            throw CheckpointException.of(file, "field 'model_type' is \"" + modelType + "\"; the original LLaVA layout has \"llava\"");
        }
        String projector = top.str("mm_projector_type", "linear");
        if (!projector.equals("mlp2x_gelu")) {
            throw CheckpointException.of(file, "field 'mm_projector_type' is \"" + projector + "\"; only mlp2x_gelu (LLaVA-1.5) is supported");
        }
        if (top.bool("mm_use_im_start_end", false)) {
            throw CheckpointException.of(file, "field 'mm_use_im_start_end' is true; image start/end tokens are not supported");
        }
        String merge = top.str("mm_patch_merge_type", "flat");
        if (!merge.equals("flat")) {
            throw CheckpointException.of(file, "field 'mm_patch_merge_type' is \"" + merge + "\"; the original layout is read for LLaVA-1.5 (flat); "
                    + "use the llava-hf conversion (llava_next) for LLaVA-1.6");
        }
        String feature = top.str("mm_vision_select_feature", "patch");
        if (!feature.equals("patch") && !feature.equals("cls_patch")) {
            throw CheckpointException.of(file, "field 'mm_vision_select_feature' is \"" + feature + "\"; expected patch or cls_patch");
        }
        String named = top.str("mm_vision_tower", null);
        String override = System.getProperty(VISION_TOWER_PROPERTY);
        Path tower;
        if (override != null && !override.isBlank()) {
            tower = Path.of(override);
        } else if (named != null && Files.isDirectory(file.resolveSibling(named))) {
            tower = file.resolveSibling(named).normalize();
        } else {
            throw CheckpointException.of(file, "field 'mm_vision_tower' is " + (named == null ? "missing" : "\"" + named + "\", not a directory")
                    + ": give --vision-tower DIR, a CLIP checkpoint directory (config.json, model.safetensors, preprocessor_config.json)");
        }
        Path clipConfig = tower.resolve("config.json");
        JsonObject clip;
        try {
            clip = JsonParser.parseString(Files.readString(clipConfig)).getAsJsonObject();
        } catch (IOException e) {
            throw CheckpointException.of(tower, "the vision tower has no readable config.json: " + e.getMessage());
        } catch (RuntimeException e) {
            throw CheckpointException.of(clipConfig, "not a JSON object: " + e.getMessage());
        }
        JsonObject vision = clip.has("vision_config") && clip.get("vision_config").isJsonObject() ? clip.getAsJsonObject("vision_config").deepCopy() : clip.deepCopy();
        vision.addProperty("model_type", "clip_vision_model");
        int mmHidden = top.integer("mm_hidden_size", -1);
        if (mmHidden > 0 && vision.has("hidden_size") && vision.get("hidden_size").getAsInt() != mmHidden) {
            throw CheckpointException.of(file, "field 'mm_hidden_size' " + mmHidden + " differs from the vision tower's hidden_size " + vision.get("hidden_size")
                    + " (" + clipConfig + ")");
        }
        JsonObject text = new JsonObject();
        for (String k : new String[] {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                "hidden_act", "max_position_embeddings", "rms_norm_eps", "rope_theta", "rope_scaling", "attention_bias", "tie_word_embeddings",
                "bos_token_id", "eos_token_id", "_name_or_path", "pretraining_tp", "torch_dtype"}) {
            if (root.has(k)) {
                text.add(k, root.get(k));
            }
        }
        text.addProperty("model_type", "llama");
        JsonObject hf = new JsonObject();
        hf.addProperty("model_type", "llava");
        hf.add("text_config", text);
        hf.add("vision_config", vision);
        hf.addProperty("image_token_index", ORIGINAL_IMAGE_TOKEN);
        hf.addProperty("projector_hidden_act", "gelu");
        hf.addProperty("vision_feature_layer", top.integer("mm_vision_select_layer", -2));
        hf.addProperty("vision_feature_select_strategy", feature.equals("patch") ? "default" : "full");
        if (root.has("pad_token_id")) {
            hf.add("pad_token_id", root.get("pad_token_id"));
        }
        if (root.has("torch_dtype")) {
            hf.add("torch_dtype", root.get("torch_dtype"));
        }
        LlavaConfig c = parse(file, hf, "llava", Set.of("llama"));
        return new LlavaConfig(c.file(), c.text(), c.vision(), c.imageTokenIndex(), c.padTokenId(), c.projectorHiddenAct(), c.visionFeatureLayer(),
                c.visionFeatureSelectStrategy(), c.torchDtype(), new Original(tower, top.str("image_aspect_ratio", "pad")));
    }

    /**
     * The name an original-layout checkpoint stores a canonical weight under: {@code language_model.model.X} is
     * {@code model.X}, {@code language_model.lm_head} {@code lm_head}, the projector's {@code linear_1}/{@code linear_2}
     * {@code model.mm_projector.0}/{@code .2} (the vision tower comes from the CLIP directory).
     */
    public static String[] originalAliases(String name) {
        if (name.startsWith("language_model.model.")) {
            return new String[] {"model." + name.substring("language_model.model.".length())};
        }
        if (name.startsWith("language_model.lm_head.")) {
            return new String[] {name.substring("language_model.".length())};
        }
        if (name.startsWith("multi_modal_projector.linear_1.")) {
            return new String[] {"model.mm_projector.0." + name.substring("multi_modal_projector.linear_1.".length())};
        }
        if (name.startsWith("multi_modal_projector.linear_2.")) {
            return new String[] {"model.mm_projector.2." + name.substring("multi_modal_projector.linear_2.".length())};
        }
        return new String[0];
    }

    /**
     * The LLaVA fields of a llava-hf config whose {@code model_type} must be {@code modelType} ({@code llava},
     * {@code llava_next}) and whose {@code text_config.model_type} one of {@code textTypes} ({@code llama},
     * {@code mistral}: Mistral's {@code sliding_window} becomes {@link TextConfig#slidingWindow()}).
     */
    public static LlavaConfig parse(Path file, JsonObject root, String modelType0, Set<String> textTypes) {
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
        int heads = t.integer("num_attention_heads", 32);
        int hidden = t.integer("hidden_size", 4096);
        int kvHeads = t.has("num_key_value_heads") && !t.isNull("num_key_value_heads") ? t.integer("num_key_value_heads", heads) : heads;
        int topVocab = top.integer("vocab_size", -1);
        TextConfig text = new TextConfig(
                t.integer("vocab_size", topVocab > 0 ? topVocab : 32000),
                hidden,
                t.integer("intermediate_size", 11008),
                t.integer("num_hidden_layers", 32),
                heads,
                kvHeads,
                t.str("hidden_act", "silu"),
                t.integer("max_position_embeddings", 2048),
                t.number("rms_norm_eps", 1e-6),
                ropeTheta,
                t.bool("attention_bias", false),
                t.bool("attention_bias", false),
                t.bool("tie_word_embeddings", false),
                t.integer("bos_token_id", 1),
                new int[] {t.integer("eos_token_id", 2)},
                t.str("_name_or_path", ""),
                null,
                window);
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

        VisionConfig vision;
        if (vj == null) {
            // LlavaConfig's default vision tower: CLIP ViT-L/14 at 336 px.
            vision = new VisionConfig(1024, 4096, 24, 16, 336, 14, 3, "quick_gelu", 1e-5);
        } else {
            JsonFields v = new JsonFields(file, vj, "vision_config.");
            String visionType = v.str("model_type", "clip_vision_model");
            if (!visionType.equals("clip_vision_model")) {
                throw CheckpointException.of(file, "field 'vision_config.model_type' is \"" + visionType + "\"; only clip_vision_model is supported");
            }
            vision = new VisionConfig(
                    v.integer("hidden_size", 768),
                    v.integer("intermediate_size", 3072),
                    v.integer("num_hidden_layers", 12),
                    v.integer("num_attention_heads", 12),
                    v.integer("image_size", 224),
                    v.integer("patch_size", 32),
                    v.integer("num_channels", 3),
                    v.str("hidden_act", "quick_gelu"),
                    v.number("layer_norm_eps", 1e-5));
            if (!VISION_ACTS.contains(vision.hiddenAct)) {
                throw CheckpointException.of(file, "field 'vision_config.hidden_act' is \"" + vision.hiddenAct + "\"; supported: " + VISION_ACTS);
            }
        }
        positive(file, "vision_config.hidden_size", vision.hiddenSize);
        positive(file, "vision_config.num_attention_heads", vision.numAttentionHeads);
        positive(file, "vision_config.patch_size", vision.patchSize);
        if (vision.hiddenSize % vision.numAttentionHeads != 0) {
            throw CheckpointException.of(file, "field 'vision_config.hidden_size' " + vision.hiddenSize + " is not a multiple of num_attention_heads "
                    + vision.numAttentionHeads);
        }
        if (vision.imageSize % vision.patchSize != 0) {
            throw CheckpointException.of(file, "field 'vision_config.image_size' " + vision.imageSize + " is not a multiple of patch_size " + vision.patchSize);
        }
        if (vision.numChannels != 3) {
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
        int featureIndex = featureLayer < 0 ? vision.numHiddenLayers + 1 + featureLayer : featureLayer;
        if (featureIndex < 0 || featureIndex > vision.numHiddenLayers) {
            throw CheckpointException.of(file, "field 'vision_feature_layer' " + featureLayer + " is outside the " + vision.numHiddenLayers
                    + "-layer vision tower");
        }
        Integer pad = top.has("pad_token_id") && !top.isNull("pad_token_id") ? top.integer("pad_token_id", 0) : null;
        return new LlavaConfig(file, text, vision, top.integer("image_token_index", 32000), pad, projectorAct, featureLayer, strategy,
                top.str("torch_dtype", top.str("dtype", t.str("torch_dtype", "float32"))), null);
    }

    private static void positive(Path file, String field, int value) {
        if (value <= 0) {
            throw CheckpointException.of(file, "field '" + field + "' must be positive, got " + value);
        }
    }
}
