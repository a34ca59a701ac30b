package sinkscope.model.clip;

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
    private final boolean splitting;

    private LlavaTokenizer(HuggingFaceTokenizer tokenizer, Path file, int imageTokenId, boolean splitting) {
        this.tokenizer = tokenizer;
        this.file = file;
        this.imageTokenId = imageTokenId;
        this.splitting = splitting;
    }

    /**
     * The tokenizer of an original-layout checkpoint, used as LLaVA's {@code tokenizer_image_token}: the prompt is split
     * at {@code <image>}, each piece tokenized (BOS kept on the first only) and the pieces joined with
     * {@code imageTokenId} ({@code -200}). Needs {@code dir/tokenizer.json}; the release ships only the sentencepiece
     * {@code tokenizer.model}, which a one-line conversion turns into it.
     */
    public static LlavaTokenizer loadSplitting(Path dir, int imageTokenId) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw CheckpointException.of(dir, "no tokenizer.json" + (Files.isRegularFile(dir.resolve("tokenizer.model"))
                    ? "; convert tokenizer.model with: python -c \"from transformers import AutoTokenizer as T; T.from_pretrained('" + dir
                            + "', use_fast=True).save_pretrained('" + dir + "')\""
                    : ""));
        }
        try {
            HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "true", "truncation", "false",
                    "padding", "false"));
            return new LlavaTokenizer(tok, file, imageTokenId, true);
        } catch (IOException | RuntimeException e) {
            throw CheckpointException.of(file, "cannot load tokenizer: " + e.getMessage());
        }
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
            return new LlavaTokenizer(tok, file, imageTokenIndex, false);
        } catch (IOException | RuntimeException e) {
            throw CheckpointException.of(file, "cannot load tokenizer: " + e.getMessage());
        }
    }

    /** The Hugging Face tokenizer underneath (closed with this one). */
    public HuggingFaceTokenizer tokenizer() {
        return tokenizer;
    }

    public int imageTokenId() {
        return imageTokenId;
    }

    /** Token ids of {@code prompt} with BOS, at most one {@code <image>} placeholder. */
    public long[] encode(String prompt) {
        long[] ids = splitting ? splitEncode(prompt) : tokenizer.encode(prompt, true, false).getIds();
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

    private long[] splitEncode(String prompt) {
        String[] pieces = prompt.split(java.util.regex.Pattern.quote(IMAGE_TOKEN), -1);
        java.util.List<Long> out = new java.util.ArrayList<>();
        int offset = 0;
        for (int i = 0; i < pieces.length; i++) {
            long[] ids = tokenizer.encode(pieces[i], true, false).getIds();
            if (i == 0) {
                if (ids.length > 0 && ids[0] == BOS) {
                    offset = 1;
                    out.add(ids[0]);
                }
            } else {
                out.add((long) imageTokenId);
            }
            for (int j = offset; j < ids.length; j++) {
                out.add(ids[j]);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static final long BOS = 1;

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
