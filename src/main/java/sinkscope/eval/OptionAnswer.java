package sinkscope.eval;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the chosen option of a multiple-choice answer as a 0-based index ({@code A} = 0). The answer is trimmed;
 * it counts when it starts with the letter alone or followed by {@code .}, {@code )} or {@code :}
 * ({@code "B"}, {@code "B."}, {@code "(B)"}, {@code "B) a cat"}; not {@code "A cat"}, where "A" is an article), or contains {@code "answer is X"} /
 * {@code "answer is (X)"}, as LLaVA's ScienceQA evaluation reads "The answer is X.". Letters beyond the number
 * of options, lower-case letters and anything else give -1.
 */
public final class OptionAnswer {

    private static final Pattern LEADING = Pattern.compile("^\\(?([A-Z])(?:$|[.):])");
    private static final Pattern ANSWER_IS = Pattern.compile("answer is \\(?([A-Z])(?:$|[^A-Za-z])");

    private OptionAnswer() {}

    /** The 0-based option index, or -1 when the answer names no option among the first {@code options}. */
    public static int parse(String answer, int options) {
        if (options < 1 || options > 26) {
            throw new IllegalArgumentException("options must be 1..26, got " + options);
        }
        if (answer == null) {
            return -1;
        }
        String text = answer.trim();
        Matcher m = LEADING.matcher(text);
        if (!m.find()) {
            m = ANSWER_IS.matcher(text);
            if (!m.find()) {
                return -1;
            }
        }
        int index = m.group(1).charAt(0) - 'A';
        return index < options ? index : -1;
    }
}
