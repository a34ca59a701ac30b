package sinkscope.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The answer normalization of the official VQA evaluation ({@code vqaEval.py} of GT-Vision-Lab/VQA, also used by
 * the VQAv2, VizWiz and TextVQA servers), re-implemented from its definition:
 * <ol>
 *   <li>{@link #processPunctuation}: for each of the 21 characters {@code ; / [ ] " { } ( ) = + \ _ - > < @ ` , ? !}:
 *       when the <em>original</em> text has it followed or preceded by a space, or the original text has a digit,
 *       comma, digit sequence ({@code (\d)(,)(\d)}), the character is deleted everywhere; otherwise each occurrence
 *       becomes a space. Then every {@code '.'} not followed by a digit is deleted ({@code periodStrip}; its
 *       look-behind is written {@code (?!<=\d)}, which is a look-ahead that always holds, so a period after a digit
 *       goes too, e.g. {@code "3."} becomes {@code "3"}), at most 32 of them: the script passes {@code re.UNICODE}
 *       (= 32) where {@code re.sub} takes its count.</li>
 *   <li>{@link #processDigitArticle}: lower-case, split on whitespace, number words {@code none zero one ... ten}
 *       become digits ({@code none} becomes {@code 0}), the articles {@code a an the} are dropped, then each word
 *       found in the contractions table ({@code dont} becomes {@code don't}, 120 entries) is replaced, and the words
 *       are joined with single spaces.</li>
 * </ol>
 * {@link #evalAi} is LLaVA's {@code EvalAIAnswerProcessor} (from MMF, used by LLaVA's TextVQA evaluation and its
 * VizWiz submission converter): lower-case, delete {@code ','} and {@code '?'}, {@code 's} becomes {@code " 's"},
 * trim, newlines and tabs to spaces, trim, then the two steps above.
 */
public final class VqaNormalizer {

    private static final String PUNCT = ";/[]\"{}()=+\\_-><@`,?!";
    private static final Pattern COMMA_STRIP = Pattern.compile("(\\d)(,)(\\d)");
    private static final Pattern PERIOD_STRIP = Pattern.compile("\\.(?!\\d)");
    /** {@code re.UNICODE} passed as {@code re.sub}'s count. */
    private static final int PERIOD_LIMIT = 32;
    private static final Set<String> ARTICLES = Set.of("a", "an", "the");
    private static final Map<String, String> NUMBERS = Map.ofEntries(
            Map.entry("none", "0"), Map.entry("zero", "0"), Map.entry("one", "1"), Map.entry("two", "2"),
            Map.entry("three", "3"), Map.entry("four", "4"), Map.entry("five", "5"), Map.entry("six", "6"),
            Map.entry("seven", "7"), Map.entry("eight", "8"), Map.entry("nine", "9"), Map.entry("ten", "10"));
    private static final Map<String, String> CONTRACTIONS = pairs(
            "aint", "ain't", "arent", "aren't", "cant", "can't", "couldve", "could've",
            "couldnt", "couldn't", "couldn'tve", "couldn't've", "couldnt've", "couldn't've", "didnt", "didn't",
            "doesnt", "doesn't", "dont", "don't", "hadnt", "hadn't", "hadnt've", "hadn't've",
            "hadn'tve", "hadn't've", "hasnt", "hasn't", "havent", "haven't", "hed", "he'd",
            "hed've", "he'd've", "he'dve", "he'd've", "hes", "he's", "howd", "how'd",
            "howll", "how'll", "hows", "how's", "Id've", "I'd've", "I'dve", "I'd've",
            "Im", "I'm", "Ive", "I've", "isnt", "isn't", "itd", "it'd",
            "itd've", "it'd've", "it'dve", "it'd've", "itll", "it'll", "let's", "let's",
            "maam", "ma'am", "mightnt", "mightn't", "mightnt've", "mightn't've", "mightn'tve", "mightn't've",
            "mightve", "might've", "mustnt", "mustn't", "mustve", "must've", "neednt", "needn't",
            "notve", "not've", "oclock", "o'clock", "oughtnt", "oughtn't", "ow's'at", "'ow's'at",
            "'ows'at", "'ow's'at", "'ow'sat", "'ow's'at", "shant", "shan't", "shed've", "she'd've",
            "she'dve", "she'd've", "she's", "she's", "shouldve", "should've", "shouldnt", "shouldn't",
            "shouldnt've", "shouldn't've", "shouldn'tve", "shouldn't've", "somebody'd", "somebodyd", "somebodyd've", "somebody'd've",
            "somebody'dve", "somebody'd've", "somebodyll", "somebody'll", "somebodys", "somebody's", "someoned", "someone'd",
            "someoned've", "someone'd've", "someone'dve", "someone'd've", "someonell", "someone'll", "someones", "someone's",
            "somethingd", "something'd", "somethingd've", "something'd've", "something'dve", "something'd've", "somethingll", "something'll",
            "thats", "that's", "thered", "there'd", "thered've", "there'd've", "there'dve", "there'd've",
            "therere", "there're", "theres", "there's", "theyd", "they'd", "theyd've", "they'd've",
            "they'dve", "they'd've", "theyll", "they'll", "theyre", "they're", "theyve", "they've",
            "twas", "'twas", "wasnt", "wasn't", "wed've", "we'd've", "we'dve", "we'd've",
            "weve", "we've", "werent", "weren't", "whatll", "what'll", "whatre", "what're",
            "whats", "what's", "whatve", "what've", "whens", "when's", "whered", "where'd",
            "wheres", "where's", "whereve", "where've", "whod", "who'd", "whod've", "who'd've",
            "who'dve", "who'd've", "wholl", "who'll", "whos", "who's", "whove", "who've",
            "whyll", "why'll", "whyre", "why're", "whys", "why's", "wont", "won't",
            "wouldve", "would've", "wouldnt", "wouldn't", "wouldnt've", "wouldn't've", "wouldn'tve", "wouldn't've",
            "yall", "y'all", "yall'll", "y'all'll", "y'allll", "y'all'll", "yall'd've", "y'all'd've",
            "y'alld've", "y'all'd've", "y'all'dve", "y'all'd've", "youd", "you'd", "youd've", "you'd've",
            "you'dve", "you'd've", "youll", "you'll", "youre", "you're", "youve", "you've"    );

    private VqaNormalizer() {}

    /** Both steps, as vqaEval.py applies them (after replacing newlines and tabs by spaces and trimming). */
    public static String normalize(String answer) {
        return processDigitArticle(processPunctuation(clean(answer)));
    }

    /** Newlines and tabs to spaces, then trimmed (vqaEval.py does this to every answer before anything else). */
    public static String clean(String answer) {
        return pyStrip(answer.replace('\n', ' ').replace('\t', ' '));
    }

    /** Step 1, see the class comment. */
    public static String processPunctuation(String in) {
        String out = in;
        boolean commaBetweenDigits = COMMA_STRIP.matcher(in).find();
        for (int i = 0; i < PUNCT.length(); i++) {
            String p = String.valueOf(PUNCT.charAt(i));
            if (in.contains(p + " ") || in.contains(" " + p) || commaBetweenDigits) {
                out = out.replace(p, "");
            } else {
                out = out.replace(p, " ");
            }
        }
        Matcher m = PERIOD_STRIP.matcher(out);
        StringBuilder sb = new StringBuilder();
        int n = 0;
        while (n < PERIOD_LIMIT && m.find()) {
            m.appendReplacement(sb, "");
            n++;
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Step 2, see the class comment. */
    public static String processDigitArticle(String in) {
        List<String> words = new ArrayList<>();
        for (String w : pySplit(in.toLowerCase(Locale.ROOT))) {
            w = NUMBERS.getOrDefault(w, w);
            if (!ARTICLES.contains(w)) {
                words.add(w);
            }
        }
        words.replaceAll(w -> CONTRACTIONS.getOrDefault(w, w));
        return String.join(" ", words);
    }

    /** LLaVA's EvalAIAnswerProcessor, see the class comment. */
    public static String evalAi(String answer) {
        String item = pyStrip(answer.toLowerCase(Locale.ROOT).replace(",", "").replace("?", "").replace("'s", " 's"));
        item = pyStrip(item.replace('\n', ' ').replace('\t', ' '));
        return processDigitArticle(processPunctuation(item));
    }

    /** Python's {@code str.split()}: runs of whitespace separate, no empty words. */
    static List<String> pySplit(String s) {
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && isPyWhitespace(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isPyWhitespace(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                words.add(s.substring(start, i));
            }
        }
        return words;
    }

    /** Python's {@code str.strip()} (Unicode whitespace). */
    static String pyStrip(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isPyWhitespace(s.charAt(a))) {
            a++;
        }
        while (b > a && isPyWhitespace(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    private static boolean isPyWhitespace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u001c' || c == '\u001d'
                || c == '\u001e' || c == '\u001f' || c == '\u0085';
    }

    private static Map<String, String> pairs(String... kv) {
        Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return Map.copyOf(m);
    }
}
