package sinkscope.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Option-letter extraction of a generated multiple-choice answer, per benchmark, each as the scorer LLaVA-1.5's
 * evaluation feeds does it. Every method returns a 0-based option index ({@code A} = 0), or -1 when no option
 * can be read (which then counts as wrong).
 * <ul>
 *   <li>{@link #scienceQa} (LLaVA's {@code llava/eval/eval_science_qa.py}): the text is exactly one of the letters
 *       {@code A..E}; or it has at least 3 characters, starts with one of them and continues with {@code ". "};
 *       or the regex {@code The answer is ([A-Z]).} matches exactly once; then the letter counts when it is among
 *       the first {@code options} letters ({@code get_pred_idx}). No trimming.</li>
 *   <li>{@link #seed} (LLaVA's {@code scripts/convert_seed_for_submission.py}): right only when the whole text
 *       equals the answer letter, so the index is the letter's when the text is exactly one letter.</li>
 *   <li>{@link #mmbench} (MMBench's rule-based matching, {@code can_infer} in its evaluator, which scores the
 *       predictions LLaVA's {@code convert_mmbench_for_submission.py} uploads): a refusal phrase gives none;
 *       replace each of {@code .()[],:;!*#{}} by a space and split on whitespace; when exactly one option letter
 *       is among the words it is the answer, unless the words contain {@code A} and number more than 3 ("A" may
 *       be the article); no letter but the word {@code Z} gives none; otherwise, when exactly one option's text
 *       (lower-cased) occurs in the lower-cased answer, that option ({@code can_infer_text}). MMBench then asks ChatGPT for what is left; that step is not done here, so such
 *       an answer counts as wrong.</li>
 *   <li>{@link #letter} (CV-Bench, MMVP; LLaVA has no scripts for them and their official evaluations compare
 *       the extracted letter, MMVP with a GPT judge): the trimmed text starts with the letter, optionally in
 *       parentheses, alone or followed by {@code . ) :} ({@code "(B)"}, {@code "b. open"}; not {@code "A cat"}),
 *       case ignored; the letter must be among the options. Otherwise {@link #mmbench}'s text match.</li>
 * </ul>
 */
public final class ChoiceAnswer {

    private static final String SQA_OPTIONS = "ABCDE";
    private static final Pattern SQA_ANSWER_IS = Pattern.compile("The answer is ([A-Z]).");
    private static final List<String> REFUSALS = List.of(
            "Sorry, I can't help with images of people yet.",
            "I can't process this file.",
            "I'm sorry, but without the image provided",
            "Cannot determine the answer");
    private static final Pattern LEADING = Pattern.compile("^\\(?([A-Za-z])(?:$|[.):])");

    private ChoiceAnswer() {}

    /** eval_science_qa.py's parsing and get_pred_idx for a problem with {@code options} choices. */
    public static int scienceQa(String text, int options) {
        String t = text == null ? "FAILED" : text;
        String answer;
        if (t.length() == 1 && SQA_OPTIONS.contains(t)) {
            answer = t;
        } else if (t.length() >= 3 && SQA_OPTIONS.indexOf(t.charAt(0)) >= 0 && t.startsWith(". ", 1)) {
            answer = t.substring(0, 1);
        } else {
            Matcher m = SQA_ANSWER_IS.matcher(t);
            List<String> found = new ArrayList<>();
            while (m.find()) {
                found.add(m.group(1));
            }
            answer = found.size() == 1 ? found.get(0) : "FAILED";
        }
        int idx = SQA_OPTIONS.indexOf(answer);
        return answer.length() == 1 && idx >= 0 && idx < Math.min(options, SQA_OPTIONS.length()) ? idx : -1;
    }

    /** SEED-Bench as LLaVA scores it: the index of the text when it is exactly one option letter. */
    public static int seed(String text, int options) {
        if (text == null || text.length() != 1) {
            return -1;
        }
        int idx = text.charAt(0) - 'A';
        return idx >= 0 && idx < options ? idx : -1;
    }

    /** MMBench's rule-based matching (letters first, then option texts), see the class comment. */
    public static int mmbench(String text, List<String> options) {
        if (text == null) {
            return -1;
        }
        for (String r : REFUSALS) {
            if (text.contains(r)) {
                return -1;
            }
        }
        String mod = text;
        for (char c : ".()[],:;!*#{}".toCharArray()) {
            mod = mod.replace(c, ' ');
        }
        List<String> words = VqaNormalizer.pySplit(mod);
        int found = -1;
        int count = 0;
        for (int i = 0; i < options.size(); i++) {
            if (words.contains(String.valueOf((char) ('A' + i)))) {
                count++;
                found = i;
            }
        }
        if (count == 1 && !(words.contains("A") && words.size() > 3)) {
            return found;
        }
        if (count == 0 && words.contains("Z")) {
            return -1; // can_infer_option's 'Z': no option
        }
        return textMatch(text, options);
    }

    /** Leading letter (case ignored), else option text; see the class comment. */
    public static int letter(String text, List<String> options) {
        if (text == null) {
            return -1;
        }
        Matcher m = LEADING.matcher(VqaNormalizer.pyStrip(text));
        if (m.find()) {
            int idx = Character.toUpperCase(m.group(1).charAt(0)) - 'A';
            return idx < options.size() ? idx : -1;
        }
        return textMatch(text, options);
    }

    /** The single option whose lower-cased text occurs in the lower-cased answer, else -1. */
    static int textMatch(String text, List<String> options) {
        String low = text.toLowerCase(Locale.ROOT);
        int found = -1;
        for (int i = 0; i < options.size(); i++) {
            String o = options.get(i);
            if (o != null && low.contains(o.toLowerCase(Locale.ROOT))) {
                if (found >= 0) {
                    return -1;
                }
                found = i;
            }
        }
        return found;
    }

    /** 'A' + index, or {@code null} for -1. */
    public static String letterOf(int index) {
        return index < 0 ? null : String.valueOf((char) ('A' + index));
    }
}
