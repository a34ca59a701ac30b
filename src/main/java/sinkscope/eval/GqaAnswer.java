package sinkscope.eval;

import java.util.Locale;

/**
 * GQA exact match. {@link #correct} is what LLaVA-1.5's numbers use: {@code scripts/convert_gqa_for_eval.py} turns
 * the generated text into the prediction {@code text.rstrip('.').lower()} (every trailing period removed, then
 * lower-cased), and GQA's official {@code eval.py} counts it right when it equals the gold answer exactly.
 * {@link #correctNormalized} is the stricter-to-game variant some harnesses report: both sides through
 * {@link VqaNormalizer#normalize} and then compared.
 */
public final class GqaAnswer {

    private GqaAnswer() {}

    /** convert_gqa_for_eval.py's prediction. */
    public static String prediction(String text) {
        String t = text == null ? "" : text;
        int end = t.length();
        while (end > 0 && t.charAt(end - 1) == '.') {
            end--;
        }
        return t.substring(0, end).toLowerCase(Locale.ROOT);
    }

    public static boolean correct(String text, String gold) {
        return prediction(text).equals(gold);
    }

    public static boolean correctNormalized(String text, String gold) {
        return VqaNormalizer.normalize(text == null ? "" : text).equals(VqaNormalizer.normalize(gold));
    }
}
