package sinkscope.model.llava;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import sinkscope.model.CheckpointException;

/**
 * The checkpoint's {@code tokenizer.json} through DJL's Hugging Face tokenizers (the same Rust library as HF's
 * fast tokenizer): BOS prepended, no EOS, {@code <image>} kept as one special token whose id must equal
 * {@code config.json}'s {@code image_token_index}. The model, not the tokenizer, expands it into the image rows.
 */
public final class LlavaTokenizer implements AutoCloseable {
    public static final String IMAGE_TOKEN = "<image>";

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    private final int imageTokenId;

    private LlavaTokenizer(HuggingFaceTokenizer tokenizer, Path file, int imageTokenId) {
        this.tokenizer = tokenizer;
        this.file = file;
        this.imageTokenId = imageTokenId;
    }

    /** Loads {@code dir/tokenizer.json}; fails, naming the file, when {@code <image>} is absent or has another id. */
    public static LlavaTokenizer load(Path dir, int imageTokenIndex) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw CheckpointException.of(dir, "no tokenizer.json");
        }
        Integer found = null;
        try {
            JsonObject root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            if (root.has("added_tokens") && root.get("added_tokens").isJsonArray()) {
                for (JsonElement e : root.getAsJsonArray("added_tokens")) {
                    JsonObject t = e.getAsJsonObject();
                    if (IMAGE_TOKEN.equals(t.get("content").getAsString())) {
                        found = t.get("id").getAsInt();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            throw CheckpointException.of(file, "cannot read tokenizer: " + e.getMessage());
        }
        if (found == null) {
            throw CheckpointException.of(file, "field 'added_tokens' has no " + IMAGE_TOKEN + " token (config.json expects image_token_index "
                    + imageTokenIndex + ")");
        }
        if (found != imageTokenIndex) {
            throw CheckpointException.of(file, IMAGE_TOKEN + " has id " + found + " but config.json's image_token_index is " + imageTokenIndex);
        }
        try {
            HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "true", "truncation", "false",
                    "padding", "false"));
            return new LlavaTokenizer(tok, file, imageTokenIndex);
        } catch (IOException | RuntimeException e) {
            throw CheckpointException.of(file, "cannot load tokenizer: " + e.getMessage());
        }
    }

    public int imageTokenId() {
        return imageTokenId;
    }

    /** Token ids of {@code prompt} with BOS, at most one {@code <image>} placeholder. */
    public long[] encode(String prompt) {
        long[] ids = tokenizer.encode(prompt, true, false).getIds();
        int images = 0;
        for (long id : ids) {
            if (id == imageTokenId) {
                images++;
            }
        }
        if (images > 1) {
            throw new IllegalArgumentException("prompt has " + images + " " + IMAGE_TOKEN + " placeholders; LLaVA-1.5 takes one image");
        }
        return ids;
    }

    /** Text of {@code ids}, special tokens skipped. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
