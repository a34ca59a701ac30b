package sinkscope.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One generated answer scored by its task's rule, question by question (which rule a benchmark's official script uses, and
 * the aggregation over questions, are the benchmark's: {@code sinkscope.benchmark}). What a question needs is its
 * {@link Reference}: benchmark, task type, label, options and reference answers. The generic rules ({@link #score}) and the
 * pieces a benchmark combines differently:
 * <ul>
 *   <li>{@code yes_no} ({@link #yesNo}): pred is POPE's {@link PopeAnswer#strict} (yes, no or other); right when the
 *       answer as the official script counts it equals the label: {@code eval_pope.py}'s {@link PopeAnswer#pred} (an
 *       answer without a no-word counts as yes).</li>
 *   <li>{@code choice} ({@link #choice}): the option letter the answer names ({@link ChoiceAnswer#letter}: the leading
 *       letter, then the single option text the answer contains, which is how the synthetic benchmark's colour/shape
 *       words map to their options); right when it is the label's letter; no letter gives pred {@code other}.</li>
 *   <li>{@code open} ({@link #open}): with reference answers, the VQA accuracy ({@link VqaAccuracy}, VQAv2's protocol by
 *       default) as the score, right when the score is 1; without them (GQA), exact match after
 *       {@link GqaAnswer#prediction}.</li>
 *   <li>{@code caption}: CHAIR's object mentions ({@link Chair#mentions}) against the ground-truth objects (the
 *       reference answers); pred lists the mentioned objects, the score is 1 when one of them is not in the image
 *       (the caption counts toward CHAIR_s).</li>
 *   <li>{@code judge}: a judge-scored benchmark (MM-Vet, LLaVA-Bench in the wild: a GPT judge scores the answers, outside
 *       SinkScope); pred is the answer stripped of surrounding white space, correct null and the score NaN (null in the
 *       table): nothing is scored here, the evaluate job writes the answers in the file format the judge takes
 *       ({@link JudgeFiles}).</li>
 * </ul>
 */
public final class TaskScore {

    public static final String YES_NO = "yes_no";
    public static final String CHOICE = "choice";
    public static final String OPEN = "open";
    public static final String CAPTION = "caption";
    public static final String JUDGE = "judge";
    public static final List<String> TASKS = List.of(YES_NO, CHOICE, OPEN, CAPTION, JUDGE);

    private TaskScore() {}

    /**
     * What a question is scored against.
     *
     * @param benchmark e.g. {@code pope}, {@code mme}, {@code mmbench}, {@code vqav2}, {@code synth_choice}
     * @param task one of {@link #TASKS}
     * @param label the expected answer: yes/no, the option letter, the GQA answer; may be null for captions
     * @param options the option texts of a multiple-choice question, in letter order (A first); else empty
     * @param answers the reference answers of an open question (VQA: ten), or a caption's ground-truth objects
     */
    public record Reference(String benchmark, String task, String label, List<String> options, List<String> answers)
            implements Serializable {
        public Reference {
            options = options == null ? List.of() : List.copyOf(options);
            answers = answers == null ? List.of() : List.copyOf(answers);
        }
    }

    /**
     * The parsed answer.
     *
     * @param pred what the scorer read: yes/no/other, an option letter or other, the processed open answer, the
     *     mentioned objects of a caption (space separated)
     * @param correct right or wrong; null for a caption
     * @param score the per-question score averaged into the benchmark's main metric: 1/0 for right/wrong, the VQA
     *     accuracy, or for a caption 1 when it hallucinates; NaN for a judge-scored answer
     * @param mentions a caption's object mentions (with repeats), else 0
     * @param hallucinated those not in the image, else 0
     * @param covered ground-truth objects the caption mentions, else 0
     */
    public record Parsed(String pred, Boolean correct, double score, int mentions, int hallucinated, int covered) implements Serializable {}

    /** Scores one answer by its task's generic rule; {@code chair} holds the caption vocabulary (captions only, may be null otherwise). */
    public static Parsed score(Reference r, String answer, Chair chair) {
        String text = answer == null ? "" : answer;
        switch (r.task()) {
            case YES_NO -> {
                return yesNo(PopeAnswer.strict(text), PopeAnswer.pred(text), r.label());
            }
            case CHOICE -> {
                return choice(ChoiceAnswer.letter(text, r.options()), r.label());
            }
            case OPEN -> {
                return open(VqaAccuracy.Protocol.VQAV2, text, r);
            }
            case CAPTION -> {
                if (chair == null) {
                    throw new IllegalArgumentException("caption scoring needs a CHAIR vocabulary");
                }
                List<String> mentioned = chair.mentions(text);
                List<String> truth = new ArrayList<>();
                for (String a : r.answers()) {
                    String o = chair.objectOf(a);
                    truth.add(o == null ? a : o);
                }
                int hallucinated = 0;
                for (String m : mentioned) {
                    hallucinated += truth.contains(m) ? 0 : 1;
                }
                int covered = (int) truth.stream().distinct().filter(mentioned::contains).count();
                return new Parsed(String.join(" ", mentioned), null, hallucinated > 0 ? 1.0 : 0.0, mentioned.size(), hallucinated, covered);
            }
            case JUDGE -> {
                return new Parsed(text.strip(), null, Double.NaN, 0, 0, 0);
            }
            default -> throw new IllegalArgumentException("unknown task '" + r.task() + "'; known: " + TASKS);
        }
    }

    /** A yes/no answer: {@code pred} as read, right when {@code counted} (the answer as the official script counts it) is the label. */
    public static Parsed yesNo(String pred, String counted, String label) {
        return binary(pred, label == null ? null : counted.equals(label.toLowerCase(Locale.ROOT)));
    }

    /** A multiple-choice answer read as option {@code index} (-1: none), right when its letter is the label. */
    public static Parsed choice(int index, String label) {
        String pred = index < 0 ? "other" : ChoiceAnswer.letterOf(index);
        return binary(pred, label == null ? null : pred.equals(label.trim().toUpperCase(Locale.ROOT)));
    }

    /** An open answer: VQA accuracy under {@code protocol} against the reference answers, or GQA's exact match when there are none. */
    public static Parsed open(VqaAccuracy.Protocol protocol, String text, Reference r) {
        if (r.answers().isEmpty()) {
            return binary(GqaAnswer.prediction(text), r.label() == null ? null : GqaAnswer.correct(text, r.label()));
        }
        double acc = VqaAccuracy.score(protocol, text, r.answers());
        String pred = protocol == VqaAccuracy.Protocol.VQAV2 ? VqaNormalizer.normalize(VqaNormalizer.clean(text)) : VqaNormalizer.evalAi(text);
        return new Parsed(pred, acc == 1.0, acc, 0, 0, 0);
    }

    private static Parsed binary(String pred, Boolean right) {
        return new Parsed(pred, right, Boolean.TRUE.equals(right) ? 1.0 : 0.0, 0, 0, 0);
    }
}
