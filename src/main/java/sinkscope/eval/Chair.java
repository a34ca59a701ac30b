package sinkscope.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CHAIR (Rohrbach et al., "Object Hallucination in Image Captioning", EMNLP 2018) as the official
 * {@code utils/chair.py} (LisaAnne/Hallucination) computes it, with object recall as the widely used
 * standalone version adds it:
 * <pre>
 *   CHAIR_i = hallucinated object mentions / object mentions         (mentions counted with repeats)
 *   CHAIR_s = captions with at least one hallucinated mention / captions
 *   recall  = sum over captions |mentioned objects in the ground truth| / sum over captions |ground-truth objects|
 *   length  = mean over captions of the number of words (whitespace-separated)
 * </pre>
 * A caption's object mentions ({@link #mentions}): lower-case, tokenize, singularize each word, then left to right
 * join a word with the next when the pair is a known two-word phrase ({@code "hot dog"}, {@code "baby cat"} becomes
 * {@code "cat"}, {@code "toilet seat"} becomes {@code "toilet"}, ...), drop {@code "seat"} when {@code "toilet"}
 * is present, keep the words found in the synonym list, each mapped to its object (the first word of its synonym
 * line). The synonym file is read as chair.py reads it: each line stripped and split on {@code ", "}, the entries
 * themselves not stripped (so a double space makes an entry that never matches, as in the published file), a word
 * on several lines maps to the object of the last one. An image's ground-truth objects are the objects of its
 * instance annotations (the category name mapped through the synonyms) and the objects mentioned in its
 * ground-truth captions.
 *
 * <p>What differs from chair.py, which needs NLTK and pattern.en: tokens are runs of letters and digits, joined
 * by inner hyphens ({@code "t-shirt"}), so punctuation and apostrophes separate words ({@code "man's"} gives
 * {@code man}, {@code s}; NLTK gives {@code man}, {@code 's}: the same objects); singularization is rule-based
 * ({@link #singular}: irregular plurals, {@code -ies}, {@code -ves}, {@code -ches/-shes/-xes/-zes/-sses},
 * then a trailing {@code s} after anything but {@code s}, {@code u} or {@code i}; words of up to 3 letters and a
 * few uninflected ones stay) where pattern.en has a larger table, so rare plurals may map differently.
 */
public final class Chair {

    private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{N}]+(?:-[\\p{L}\\p{N}]+)*");
    private static final List<String> DOUBLE_WORDS = List.of("motor bike", "motor cycle", "air plane",
            "traffic light", "street light", "traffic signal", "stop light", "fire hydrant", "stop sign",
            "parking meter", "suit case", "sports ball", "baseball bat", "baseball glove", "tennis racket",
            "wine glass", "hot dog", "cell phone", "mobile phone", "teddy bear", "hair drier", "potted plant",
            "bow tie", "laptop computer", "stove top oven", "home plate", "train track");
    private static final List<String> ANIMALS = List.of("bird", "cat", "dog", "horse", "sheep", "cow", "elephant",
            "bear", "zebra", "giraffe", "animal", "cub");
    private static final Map<String, String> IRREGULAR = Map.ofEntries(
            Map.entry("men", "man"), Map.entry("women", "woman"), Map.entry("people", "person"),
            Map.entry("children", "child"), Map.entry("feet", "foot"), Map.entry("teeth", "tooth"),
            Map.entry("mice", "mouse"), Map.entry("geese", "goose"), Map.entry("oxen", "ox"),
            Map.entry("knives", "knife"), Map.entry("wives", "wife"), Map.entry("lives", "life"),
            Map.entry("buses", "bus"), Map.entry("policemen", "policeman"), Map.entry("firemen", "fireman"),
            Map.entry("gentlemen", "gentleman"), Map.entry("servicemen", "serviceman"),
            Map.entry("tomatoes", "tomato"), Map.entry("potatoes", "potato"), Map.entry("cacti", "cactus"),
            Map.entry("dice", "die"), Map.entry("calves", "calf"), Map.entry("halves", "half"),
            Map.entry("shelves", "shelf"), Map.entry("wolves", "wolf"), Map.entry("leaves", "leaf"),
            Map.entry("loaves", "loaf"), Map.entry("scarves", "scarf"));
    private static final Set<String> UNINFLECTED = Set.of("sheep", "scissors", "series", "species",
            "pants", "jeans", "shorts", "news", "tennis", "lens", "cattle", "bison", "deer", "fish", "moose");

    private final Set<String> objects = new HashSet<>();
    private final Map<String, String> inverse = new HashMap<>();
    private final Map<String, String> doubleWords = new HashMap<>();
    private final Map<String, Set<String>> groundTruth = new HashMap<>();

    private long captions;
    private long hallucinatedCaptions;
    private long mentions;
    private long hallucinatedMentions;
    private long recalled;
    private long gtObjects;
    private long words;

    /** One caption's result. */
    public record Caption(String imageId, List<String> mentioned, List<String> hallucinated, Set<String> groundTruth) {}

    /** {@code synonymLines}: the lines of the published synonym file. */
    public Chair(List<String> synonymLines) {
        for (String line : synonymLines) {
            String s = line.strip();
            if (s.isEmpty()) {
                continue;
            }
            String[] syn = s.split(", ", -1);
            objects.addAll(Arrays.asList(syn));
            for (String w : syn) {
                inverse.put(w, syn[0]);
            }
        }
        for (String d : DOUBLE_WORDS) {
            doubleWords.put(d, d);
        }
        for (String a : ANIMALS) {
            doubleWords.put("baby " + a, a);
            doubleWords.put("adult " + a, a);
        }
        doubleWords.put("passenger jet", "jet");
        doubleWords.put("passenger train", "train");
        doubleWords.put("bow tie", "tie");
        doubleWords.put("toilet seat", "toilet");
        doubleWords.put("wine glas", "wine glass");
    }

    /** The object of an instance category name (e.g. {@code "dining table"}), or null when not a synonym. */
    public String objectOf(String categoryName) {
        return inverse.get(categoryName);
    }

    /** Adds ground-truth objects of an image (instance categories already mapped by {@link #objectOf}). */
    public void addGroundTruthObjects(String imageId, Collection<String> objs) {
        groundTruth.computeIfAbsent(imageId, k -> new HashSet<>()).addAll(objs);
    }

    /** Adds the objects a ground-truth caption of the image mentions. */
    public void addGroundTruthCaption(String imageId, String caption) {
        addGroundTruthObjects(imageId, mentions(caption));
    }

    /** Scores one generated caption against the image's ground truth (empty when the image has none). */
    public Caption add(String imageId, String caption) {
        List<String> objs = mentions(caption);
        Set<String> gt = groundTruth.getOrDefault(imageId, Set.of());
        List<String> hall = new ArrayList<>();
        Set<String> hit = new LinkedHashSet<>();
        for (String o : objs) {
            if (gt.contains(o)) {
                hit.add(o);
            } else {
                hall.add(o);
            }
        }
        captions++;
        hallucinatedCaptions += hall.isEmpty() ? 0 : 1;
        mentions += objs.size();
        hallucinatedMentions += hall.size();
        recalled += hit.size();
        gtObjects += gt.size();
        words += VqaNormalizer.pySplit(caption == null ? "" : caption).size();
        return new Caption(imageId, objs, hall, gt);
    }

    /** The image's ground-truth objects (empty when it has none). */
    public Set<String> groundTruth(String imageId) {
        return Set.copyOf(groundTruth.getOrDefault(imageId, Set.of()));
    }

    public boolean hasGroundTruth(String imageId) {
        return groundTruth.containsKey(imageId);
    }

    public long captions() {
        return captions;
    }

    public double chairS() {
        return ratio(hallucinatedCaptions, captions);
    }

    public double chairI() {
        return ratio(hallucinatedMentions, mentions);
    }

    public double recall() {
        return ratio(recalled, gtObjects);
    }

    public double meanLength() {
        return ratio(words, captions);
    }

    /** The objects a caption mentions, in order, with repeats; see the class comment. */
    public List<String> mentions(String caption) {
        List<String> ws = new ArrayList<>();
        Matcher m = TOKEN.matcher(caption == null ? "" : caption.toLowerCase(Locale.ROOT));
        while (m.find()) {
            ws.add(singular(m.group()));
        }
        List<String> joined = new ArrayList<>();
        for (int i = 0; i < ws.size(); ) {
            String pair = i + 1 < ws.size() ? ws.get(i) + " " + ws.get(i + 1) : ws.get(i);
            String mapped = doubleWords.get(pair);
            if (mapped != null) {
                joined.add(mapped);
                i += 2;
            } else {
                joined.add(ws.get(i));
                i++;
            }
        }
        if (joined.contains("toilet") && joined.contains("seat")) {
            joined.removeIf("seat"::equals);
        }
        List<String> out = new ArrayList<>();
        for (String w : joined) {
            if (objects.contains(w)) {
                out.add(inverse.get(w));
            }
        }
        return out;
    }

    /** Rule-based singular of a lower-case word; see the class comment. */
    public static String singular(String w) {
        String irregular = IRREGULAR.get(w);
        if (irregular != null) {
            return irregular;
        }
        if (w.length() <= 3 || UNINFLECTED.contains(w) || !w.endsWith("s")) {
            return w;
        }
        if (w.endsWith("ies") && w.length() > 4) {
            return w.substring(0, w.length() - 3) + "y";
        }
        if (w.endsWith("sses") || w.endsWith("ches") || w.endsWith("shes") || w.endsWith("xes") || w.endsWith("zes")) {
            return w.substring(0, w.length() - 2);
        }
        char before = w.charAt(w.length() - 2);
        if (before == 's' || before == 'u' || before == 'i') {
            return w;
        }
        return w.substring(0, w.length() - 1);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? Double.NaN : (double) a / b;
    }
}
