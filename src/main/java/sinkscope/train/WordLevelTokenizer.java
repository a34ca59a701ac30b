package sinkscope.train;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import sinkscope.data.PromptTemplate;
import sinkscope.model.llava.LlavaConfig;
import sinkscope.data.SyntheticScene;

/**
 * The reference model's word-level tokenizer as a Hugging Face {@code tokenizer.json}: a {@code WordLevel} model
 * over the words of the prompt templates, the synthetic benchmark's questions and answers; the {@code Whitespace}
 * pre-tokenizer (words are {@code \w+}, punctuation runs {@code [^\w\s]+}, so {@code "ASSISTANT:"} is two tokens
 * and a newline separates like a space); ids {@code <unk>} 0, {@code <s>} 1, {@code </s>} 2, then the words in
 * first-seen order, then {@code <image>} and {@code <pad>}; a {@code TemplateProcessing} post-processor that
 * prepends {@code <s>} (LLaMA's BOS, no EOS). Words outside the vocabulary become {@code <unk>}.
 */
public final class WordLevelTokenizer {
    public static final String UNK = "<unk>";
    public static final String BOS = "<s>";
    public static final String EOS = "</s>";
    public static final String IMAGE = "<image>";
    public static final String PAD = "<pad>";
    public static final String YES = "Yes";
    public static final String NO = "No";

    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

    private final List<String> words;

    private WordLevelTokenizer(List<String> words) {
        this.words = List.copyOf(words);
    }

    /** The vocabulary of the synthetic benchmark, the llava_hf and vicuna_v1 templates and the POPE suffix. */
    public static WordLevelTokenizer synthetic() {
        List<String> texts = new ArrayList<>();
        texts.add(LlavaConfig.LLAVA_HF.replace("{question}", "").replace(IMAGE, ""));
        texts.add(LlavaConfig.VICUNA_V1_SYSTEM);
        texts.add(PromptTemplate.POPE_SUFFIX);
        texts.add("Is there a in the image? What color is the? What shape is the object?");
        texts.add("What is shown in this image? Describe the image.");
        texts.add(YES + " " + NO + " yes no");
        texts.addAll(SyntheticScene.COLORS);
        texts.addAll(SyntheticScene.SHAPES);
        Set<String> seen = new LinkedHashSet<>();
        for (String t : texts) {
            seen.addAll(pretokenize(t));
        }
        return new WordLevelTokenizer(new ArrayList<>(seen));
    }

    /** The word that stands for a patch with no object in the text version of a scene ({@link #withSceneWords}). */
    public static final String BACKGROUND = "background";

    /**
     * This vocabulary plus the words of the text version of a scene: {@link #BACKGROUND} and one word per object class,
     * {@link #classWord} (ids after the existing words, before {@code <image>} and {@code <pad>}).
     */
    public WordLevelTokenizer withSceneWords() {
        List<String> more = new ArrayList<>(words);
        more.add(BACKGROUND);
        for (int c = 0; c < SyntheticScene.classes(); c++) {
            more.add(classWord(c));
        }
        return new WordLevelTokenizer(more);
    }

    /** The one word of an object class in the text version of a scene: {@code red_circle} (one {@code \w+} word). */
    public static String classWord(int classIndex) {
        return SyntheticScene.className(classIndex).replace(' ', '_');
    }

    /** The pre-tokenizer's split of {@code text} (HF's {@code Whitespace}: {@code \w+|[^\w\s]+}). */
    public static List<String> pretokenize(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** Number of ids, special and added tokens included (the model's {@code vocab_size}). */
    public int vocabSize() {
        return 3 + words.size() + 2;
    }

    /** Id of a vocabulary word or special token, -1 if unknown. */
    public int id(String token) {
        return switch (token) {
            case UNK -> 0;
            case BOS -> 1;
            case EOS -> 2;
            case IMAGE -> 3 + words.size();
            case PAD -> 4 + words.size();
            default -> {
                int i = words.indexOf(token);
                yield i < 0 ? -1 : 3 + i;
            }
        };
    }

    public int bosId() {
        return 1;
    }

    public int eosId() {
        return 2;
    }

    public int imageId() {
        return id(IMAGE);
    }

    public int padId() {
        return id(PAD);
    }

    /** Ids of a word sequence without BOS (what an answer contributes), unknown words as {@code <unk>}. */
    public long[] words(String text) {
        return pretokenize(text).stream().mapToLong(w -> Math.max(0, id(w))).toArray();
    }

    /** Writes {@code tokenizer.json}, {@code tokenizer_config.json} and {@code special_tokens_map.json} into {@code dir}. */
    public void write(Path dir, int modelMaxLength) throws IOException {
        Files.createDirectories(dir);
        var gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();
        Files.writeString(dir.resolve("tokenizer.json"), gson.toJson(tokenizerJson()) + "\n", StandardCharsets.UTF_8);
        JsonObject config = new JsonObject();
        config.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
        config.addProperty("add_bos_token", true);
        config.addProperty("add_eos_token", false);
        config.addProperty("bos_token", BOS);
        config.addProperty("eos_token", EOS);
        config.addProperty("unk_token", UNK);
        config.addProperty("pad_token", PAD);
        config.addProperty("model_max_length", modelMaxLength);
        config.addProperty("padding_side", "left");
        config.addProperty("clean_up_tokenization_spaces", false);
        JsonObject decoder = new JsonObject();
        for (JsonObject t : specialTokens()) {
            JsonObject copy = t.deepCopy();
            copy.remove("id");
            decoder.add(Integer.toString(t.get("id").getAsInt()), copy);
        }
        config.add("added_tokens_decoder", decoder);
        Files.writeString(dir.resolve("tokenizer_config.json"), gson.toJson(config) + "\n", StandardCharsets.UTF_8);
        JsonObject map = new JsonObject();
        map.addProperty("bos_token", BOS);
        map.addProperty("eos_token", EOS);
        map.addProperty("unk_token", UNK);
        map.addProperty("pad_token", PAD);
        Files.writeString(dir.resolve("special_tokens_map.json"), gson.toJson(map) + "\n", StandardCharsets.UTF_8);
    }

    /** The {@code tokenizer.json} object. */
    public JsonObject tokenizerJson() {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", null);
        root.add("padding", null);
        JsonArray added = new JsonArray();
        specialTokens().forEach(added::add);
        root.add("added_tokens", added);
        root.add("normalizer", null);
        JsonObject pre = new JsonObject();
        pre.addProperty("type", "Whitespace");
        root.add("pre_tokenizer", pre);
        root.add("post_processor", bosTemplate());
        root.add("decoder", null);
        JsonObject model = new JsonObject();
        model.addProperty("type", "WordLevel");
        JsonObject vocab = new JsonObject();
        for (String t : List.of(UNK, BOS, EOS)) {
            vocab.addProperty(t, id(t));
        }
        for (String w : words) {
            vocab.addProperty(w, id(w));
        }
        for (String t : List.of(IMAGE, PAD)) {
            vocab.addProperty(t, id(t));
        }
        model.add("vocab", vocab);
        model.addProperty("unk_token", UNK);
        root.add("model", model);
        return root;
    }

    private List<JsonObject> specialTokens() {
        List<JsonObject> out = new ArrayList<>();
        for (String t : List.of(UNK, BOS, EOS, IMAGE, PAD)) {
            JsonObject o = new JsonObject();
            o.addProperty("id", id(t));
            o.addProperty("content", t);
            o.addProperty("single_word", false);
            o.addProperty("lstrip", false);
            o.addProperty("rstrip", false);
            o.addProperty("normalized", false);
            o.addProperty("special", true);
            out.add(o);
        }
        return out;
    }

    /** {@code TemplateProcessing}: single {@code <s> $A}, pair {@code <s> $A <s> $B}. */
    private JsonObject bosTemplate() {
        JsonObject p = new JsonObject();
        p.addProperty("type", "TemplateProcessing");
        JsonArray single = new JsonArray();
        single.add(special(BOS));
        single.add(sequence("A"));
        JsonArray pair = new JsonArray();
        pair.add(special(BOS));
        pair.add(sequence("A"));
        pair.add(special(BOS));
        pair.add(sequence("B"));
        p.add("single", single);
        p.add("pair", pair);
        JsonObject specials = new JsonObject();
        JsonObject bos = new JsonObject();
        bos.addProperty("id", BOS);
        JsonArray ids = new JsonArray();
        ids.add(bosId());
        bos.add("ids", ids);
        JsonArray tokens = new JsonArray();
        tokens.add(BOS);
        bos.add("tokens", tokens);
        specials.add(BOS, bos);
        p.add("special_tokens", specials);
        return p;
    }

    private static JsonObject special(String id) {
        return piece("SpecialToken", id);
    }

    private static JsonObject sequence(String id) {
        return piece("Sequence", id);
    }

    /** One piece of a TemplateProcessing template: {@code {kind: {id, type_id: 0}}}. */
    private static JsonObject piece(String kind, String id) {
        JsonObject inner = new JsonObject();
        inner.addProperty("id", id);
        inner.addProperty("type_id", 0);
        JsonObject o = new JsonObject();
        o.add(kind, inner);
        return o;
    }
}
