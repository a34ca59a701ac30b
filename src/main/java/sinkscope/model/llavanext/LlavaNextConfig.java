package sinkscope.model.llavanext;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import sinkscope.model.JsonFields;
import sinkscope.model.CheckpointException;
import sinkscope.model.ModelConfig;
import sinkscope.model.TextConfig;
import sinkscope.model.clip.ClipLmmConfig;

/**
 * {@code config.json} of a llava-hf LLaVA-NeXT checkpoint ({@code LlavaNextForConditionalGeneration},
 * {@code model_type} {@code llava_next}): the fields it shares with LLaVA-1.5 ({@link ClipLmmConfig}: CLIP {@code vision_config},
 * projector, feature layer) with a LLaMA/Vicuna or Mistral {@code text_config}, plus {@code image_grid_pinpoints}
 * (the candidate {@code (height, width)} canvases of anyres) and the {@code image_newline} that ends each row of
 * the tile mosaic. Only {@code vision_feature_select_strategy} {@code default} (CLS dropped) and one
 * {@code vision_feature_layer} are supported, as in the released checkpoints.
 */
public record LlavaNextConfig(ClipLmmConfig clip, int[][] imageGridPinpoints, String decoder) implements ModelConfig {

    /** {@code mistral_instruct}: {@code "[INST] <image>\n{question} [/INST]"}, the chat format of llava-hf/llava-v1.6-mistral-7b-hf. */
    public static final java.util.Map<String, String> TEMPLATES = java.util.Map.of("mistral_instruct", "[INST] <image>\n{question} [/INST]");

    /** {@code mistral_instruct} for Mistral decoders, llava-hf's chat format (Vicuna) otherwise. */
    @Override
    public String defaultTemplate() {
        return decoder.equals("mistral") ? "mistral_instruct" : "llava_hf";
    }

    /** LLaVA-NeXT is evaluated with LLaVA-1.5's prompts. */
    @Override
    public String promptSuffixMode() {
        return "llava";
    }

    @Override
    public long[] imageTokenIds() {
        return new long[] {clip.imageTokenIndex()};
    }

    /** LlavaNextConfig's default pinpoints (those of the llava-v1.6 releases). */
    static final int[][] DEFAULT_PINPOINTS = {{336, 672}, {672, 336}, {672, 672}, {1008, 336}, {336, 1008}};

    public static LlavaNextConfig load(Path file) {
        return parse(file, JsonFields.read(file));
    }

    public static LlavaNextConfig parse(Path file, JsonObject root) {
        ClipLmmConfig clip = ClipLmmConfig.parse(file, root, "llava_next", Set.of("llama", "mistral"));
        if (!clip.visionFeatureSelectStrategy().equals("default")) {
            throw CheckpointException.of(file, "field 'vision_feature_select_strategy' is \"" + clip.visionFeatureSelectStrategy()
                    + "\"; LLaVA-NeXT's tile packing needs \"default\" (CLS dropped)");
        }
        JsonObject text = root.has("text_config") && root.get("text_config").isJsonObject() ? root.getAsJsonObject("text_config") : new JsonObject();
        String decoder = text.has("model_type") ? text.get("model_type").getAsString() : "llama";
        int[][] pinpoints = DEFAULT_PINPOINTS;
        JsonElement pp = root.get("image_grid_pinpoints");
        if (pp != null && !pp.isJsonNull()) {
            pinpoints = pinpoints(file, "image_grid_pinpoints", pp, clip.vision().imageSize());
        }
        return new LlavaNextConfig(clip, pinpoints, decoder);
    }

    /** {@code [[h, w], ...]}, each a positive multiple of the tile size {@code size}. */
    static int[][] pinpoints(Path file, String field, JsonElement pp, int size) {
        if (!pp.isJsonArray() || pp.getAsJsonArray().isEmpty()) {
            throw CheckpointException.of(file, "field '" + field + "' must be a non-empty list of [height, width] pairs, got " + pp);
        }
        List<int[]> out = new ArrayList<>();
        for (JsonElement e : pp.getAsJsonArray()) {
            if (!e.isJsonArray() || e.getAsJsonArray().size() != 2) {
                throw CheckpointException.of(file, "field '" + field + "' must hold [height, width] pairs, got " + e);
            }
            JsonArray a = e.getAsJsonArray();
            int h = a.get(0).getAsInt();
            int w = a.get(1).getAsInt();
            if (h <= 0 || w <= 0 || h % size != 0 || w % size != 0) {
                throw CheckpointException.of(file, "field '" + field + "' entry " + e + " is not a positive multiple of the tile size " + size);
            }
            out.add(new int[] {h, w});
        }
        return out.toArray(new int[0][]);
    }

    @Override
    public Path file() {
        return clip.file();
    }

    @Override
    public String modelType() {
        return "llava_next";
    }

    @Override
    public TextConfig text() {
        return clip.text();
    }

    @Override
    public String decoderType() {
        return decoder;
    }

    /** The projector and {@code image_newline}. */
    @Override
    public long projectorParameterCount() {
        return clip.projectorParameterCount() + clip.text().hiddenSize();
    }

    @Override
    public long visionParameterCount() {
        return clip.vision().parameterCount();
    }

    @Override
    public String torchDtype() {
        return clip.torchDtype();
    }

    public int tileSize() {
        return clip.vision().imageSize();
    }

    /** Patches per side of one tile. */
    public int tileGrid() {
        return clip.vision().gridSize();
    }

    @Override
    public List<String> visionSummary() {
        var v = clip.vision();
        StringBuilder pins = new StringBuilder();
        int most = 0;
        for (int[] p : imageGridPinpoints) {
            pins.append(pins.length() == 0 ? "" : ", ").append(p[0]).append('x').append(p[1]);
            AnyresGeometry g = AnyresGeometry.of(p[0], p[1], new int[][] {p}, v.imageSize(), v.patchSize());
            most = Math.max(most, g.numImageTokens());
        }
        return List.of(
                clip.towerSummary("tile"),
                String.format("projector: mlp2x_%s; anyres pinpoints (h x w) %s; decoder %s%s", clip.projectorHiddenAct(), pins, decoder,
                        text().slidingWindow() > 0 ? " (sliding window " + text().slidingWindow() + ")" : ""),
                String.format("image tokens: %d base (grid %dx%d) + unpadded tile mosaic with a newline per row, at most %d per image", v.numPatches(),
                        v.gridSize(), v.gridSize(), most));
    }
}
