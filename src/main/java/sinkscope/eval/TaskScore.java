package sinkscope.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One generated answer scored by its benchmark's own rule, question by question (the aggregation over questions is
 * {@link BenchmarkScores}). What a question needs is its {@link Reference}: benchmark, task type, label, options and
 * reference answers. Per task:
 * <ul>
 *   <li>{@code yes_no}: pred is POPE's {@link PopeAnswer#strict} (yes, no or other) or MME's {@link MmeScore#parse};
 *       right when the answer as the official script counts it equals the label: MME's parse (other is never right),
 *       else {@code eval_pope.py}'s {@link PopeAnswer#pred} (an answer without a no-word counts as yes).</li>
 *   <li>{@code choice}: the option letter as the benchmark's scorer reads it ({@link ChoiceAnswer}: ScienceQA's
 *       {@code eval_science_qa.py}, SEED's exact letter, MMBench's {@code can_infer}, otherwise the leading letter and
 *       then the single option text the answer contains, which is how the synthetic benchmark's colour/shape words
 *       map to their options); right when it is the label's letter; no letter gives pred {@code other}.</li>
 *   <li>{@code open}: with reference answers, the VQA accuracy ({@link VqaAccuracy}; TextVQA's and VizWiz's
 *       protocols for those benchmarks, VQAv2's otherwise) as the score, right when the score is 1; without
 *       them (GQA), exact match after {@link GqaAnswer#prediction}.</li>
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

    /** The task a known benchmark's questions have; null for a benchmark this project does not know. */
    public static String taskOf(String benchmark) {
        return switch (benchmark == null ? "" : benchmark.toLowerCase(Locale.ROOT)) {
            case "pope", "mme", "synth_pope" -> YES_NO;
            case "scienceqa", "mmbench", "seed", "cvbench", "mmvp", "synth_choice" -> CHOICE;
            case "vqav2", "textvqa", "vizwiz", "gqa", "synth_vqa" -> OPEN;
            case "chair", "synth_caption" -> CAPTION;
            case "mmvet", "llavabench" -> JUDGE;
            default -> null;
        };
    }

    /** Scores one answer; {@code chair} holds the caption vocabulary (only used for captions, may be null otherwise). */
    public static Parsed score(Reference r, String answer, Chair chair) {
        String text = answer == null ? "" : answer;
        String benchmark = r.benchmark() == null ? "" : r.benchmark().toLowerCase(Locale.ROOT);
        switch (r.task()) {
            case YES_NO -> {
                boolean mme = benchmark.equals("mme");
                String pred = mme ? MmeScore.parse(text) : PopeAnswer.strict(text);
                // right as the official scripts count it: MME's other is never right; eval_pope.py takes an answer without a no-word as yes
                String counted = mme ? pred : PopeAnswer.pred(text);
                Boolean right = r.label() == null ? null : counted.equals(r.label().toLowerCase(Locale.ROOT));
                return binary(pred, right);
            }
            case CHOICE -> {
                int n = r.options().size();
                int idx = switch (benchmark) {
                    case "scienceqa" -> ChoiceAnswer.scienceQa(text, n);
                    case "seed" -> ChoiceAnswer.seed(text, n);
                    case "mmbench" -> ChoiceAnswer.mmbench(text, r.options());
                    default -> ChoiceAnswer.letter(text, r.options());
                };
                String pred = idx < 0 ? "other" : ChoiceAnswer.letterOf(idx);
                Boolean right = r.label() == null ? null : pred.equals(r.label().trim().toUpperCase(Locale.ROOT));
                return binary(pred, right);
            }
            case OPEN -> {
                if (r.answers().isEmpty()) {
                    String pred = GqaAnswer.prediction(text);
                    Boolean right = r.label() == null ? null : GqaAnswer.correct(text, r.label());
                    return binary(pred, right);
                }
                VqaAccuracy.Protocol protocol = switch (benchmark) {
                    case "textvqa" -> VqaAccuracy.Protocol.TEXTVQA;
                    case "vizwiz" -> VqaAccuracy.Protocol.VIZWIZ;
                    default -> VqaAccuracy.Protocol.VQAV2;
                };
                double acc = VqaAccuracy.score(protocol, text, r.answers());
                String pred = protocol == VqaAccuracy.Protocol.VQAV2 ? VqaNormalizer.normalize(VqaNormalizer.clean(text))
                        : VqaNormalizer.evalAi(text);
                return new Parsed(pred, acc == 1.0, acc, 0, 0, 0);
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

    private static Parsed binary(String pred, Boolean right) {
        return new Parsed(pred, right, Boolean.TRUE.equals(right) ? 1.0 : 0.0, 0, 0, 0);
    }
}
