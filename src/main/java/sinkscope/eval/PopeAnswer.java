package sinkscope.eval;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads a generated answer as yes/no the way LLaVA's POPE evaluation ({@code llava/eval/eval_pope.py}) does:
 * keep the text before the first {@code '.'} (if any), delete every {@code ','}, split on single spaces
 * (Python's {@code text.split(' ')}: newlines and tabs do not separate words), and answer {@code no} when one of
 * the words is exactly {@code No}, {@code not} or {@code no}; everything else, the empty answer included, is
 * {@code yes}. {@link #pred} is exactly that.
 *
 * <p>{@link #strict} is our addition for diagnostics: the same {@code no} rule, then {@code yes} only when some
 * word, lower-cased and stripped of non-letters, is {@code yes}, and {@link #OTHER} otherwise (an empty answer,
 * "There is a circle."). Whenever {@code strict} is not {@code other} it equals {@code pred}.
 */
public final class PopeAnswer {

    public static final String YES = "yes";
    public static final String NO = "no";
    public static final String OTHER = "other";

    private static final List<String> NO_WORDS = List.of("No", "not", "no");

    private PopeAnswer() {}

    /** {@code "yes"} or {@code "no"}, exactly as eval_pope.py maps an answer. */
    public static String pred(String answer) {
        return hasNoWord(words(answer)) ? NO : YES;
    }

    /** {@code "no"} as {@link #pred}; {@code "yes"} only with a yes word; otherwise {@code "other"}. */
    public static String strict(String answer) {
        List<String> words = words(answer);
        if (hasNoWord(words)) {
            return NO;
        }
        for (String w : words) {
            if (w.replaceAll("[^\\p{L}]", "").toLowerCase(Locale.ROOT).equals("yes")) {
                return YES;
            }
        }
        return OTHER;
    }

    /** eval_pope.py's words: first sentence, commas removed, split on ' ' (keeping empty strings). */
    static List<String> words(String answer) {
        String text = answer == null ? "" : answer;
        int dot = text.indexOf('.');
        if (dot >= 0) {
            text = text.substring(0, dot);
        }
        text = text.replace(",", "");
        return Arrays.asList(text.split(" ", -1));
    }

    private static boolean hasNoWord(List<String> words) {
        for (String w : words) {
            if (NO_WORDS.contains(w)) {
                return true;
            }
        }
        return false;
    }
}
