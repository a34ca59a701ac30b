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
import sinkscope.model.clip.ClipLmmConfig;
import sinkscope.model.clip.ClipVisionConfig;

/**
 * {@code config.json} of a LLaVA-1.5 checkpoint: llava-hf's ({@code LlavaForConditionalGeneration}, the fields of
 * {@link ClipLmmConfig} with a LLaMA {@code text_config}) or the original layout ({@code LlavaLlamaForCausalLM}, read as
 * its llava-hf equivalent plus {@link Original}).
 */
public record LlavaConfig(ClipLmmConfig clip, Original original) implements ModelConfig {

    /** The original image token id of LLaVA's code ({@code IMAGE_TOKEN_INDEX}), spliced between the prompt's pieces. */
    public static final int ORIGINAL_IMAGE_TOKEN = -200;

    /** The system property {@code --vision-tower DIR} sets: the CLIP directory of an original-layout checkpoint. */
    public static final String VISION_TOWER_PROPERTY = "sinkscope.visionTower";

    /**
     * What an original-layout checkpoint ({@code LlavaLlamaForCausalLM}, liuhaotian's release) adds: the separate
     * CLIP directory the vision tower is read from, and the config's {@code image_aspect_ratio}.
     */
    public record Original(Path visionTower, String imageAspectRatio) {}

    @Override
    public Path file() {
        return clip.file();
    }

    @Override
    public TextConfig text() {
        return clip.text();
    }

    public ClipVisionConfig vision() {
        return clip.vision();
    }

    public int imageTokenIndex() {
        return clip.imageTokenIndex();
    }

    public Integer padTokenId() {
        return clip.padTokenId();
    }

    public String projectorHiddenAct() {
        return clip.projectorHiddenAct();
    }

    public int visionFeatureLayer() {
        return clip.visionFeatureLayer();
    }

    public String visionFeatureSelectStrategy() {
        return clip.visionFeatureSelectStrategy();
    }

    @Override
    public String torchDtype() {
        return clip.torchDtype();
    }

    /** Number of image rows one {@code <image>} placeholder expands to in the decoder. */
    public int numImageTokens() {
        return clip.numImageTokens();
    }

    /** Index into the vision tower's hidden states of the selected feature layer. */
    public int visionFeatureIndex() {
        return clip.visionFeatureIndex();
    }

    @Override
    public long projectorParameterCount() {
        return clip.projectorParameterCount();
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
        return new long[] {imageTokenIndex()};
    }

    @Override
    public String modelType() {
        return "llava";
    }

    @Override
    public long visionParameterCount() {
        return clip.vision().parameterCount();
    }

    @Override
    public java.util.List<String> visionSummary() {
        return java.util.List.of(
                clip.towerSummary("image"),
                String.format("projector: mlp2x_%s", projectorHiddenAct()),
                String.format("image tokens: %d per image (grid %dx%d)", numImageTokens(), vision().gridSize(), vision().gridSize()));
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
        return new LlavaConfig(ClipLmmConfig.parse(file, root, "llava", Set.of("llama")), null);
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
        return new LlavaConfig(ClipLmmConfig.parse(file, hf, "llava", Set.of("llama")), new Original(tower, top.str("image_aspect_ratio", "pad")));
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

}
