package sinkscope.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One question of a LLaVA/POPE question file: {@code question_id}, {@code image} (relative to the image folder),
 * {@code text}, and the optional {@code label} ({@code "yes"}/{@code "no"} for POPE, a reference answer
 * otherwise), {@code category} (the POPE split: random/popular/adversarial), and, for grounding, the asked
 * {@code object} with its {@code box} {@code [x0, y0, x1, y1]} in image pixels.
 *
 * @param questionId the question id as a string (numeric ids are written without a fraction, {@code 7} not {@code 7.0})
 * @param image the image path relative to the image folder; {@code null} for text-only use
 * @param text the question text, never empty
 * @param label the expected answer, or {@code null}
 * @param category the category or POPE split, or {@code null}
 * @param line the 1-based line of the file the question came from, or -1
 * @param box {@code [x0, y0, x1, y1]} of the asked object in image pixels, or {@code null}
 * @param object the asked object's name (e.g. {@code "red circle"}), or {@code null}
 * @param benchmark the benchmark the question belongs to ({@code pope}, {@code mme}, {@code mmbench}, ...), or
 *     {@code null} for the run's default
 * @param task {@code yes_no}, {@code choice}, {@code open} or {@code caption}, or {@code null} for the benchmark's
 * @param options a multiple-choice question's option texts in letter order (A first); empty otherwise
 * @param answers an open question's reference answers (VQA: ten), or a caption's ground-truth objects; empty otherwise
 * @param group questions scored together (an MME image's pair, MMBench's rotations, an MMVP pair), or {@code null}
 */
public record Question(String questionId, String image, String text, String label, String category, int line,
                       double[] box, String object, String benchmark, String task, List<String> options,
                       List<String> answers, String group) implements QuestionReader.Row {

    public Question {
        Objects.requireNonNull(questionId, "questionId");
        Objects.requireNonNull(text, "text");
        if (box != null && box.length != 4) {
            throw new IllegalArgumentException("box must have 4 numbers [x0, y0, x1, y1], got " + box.length);
        }
        box = box == null ? null : box.clone();
        options = options == null ? List.of() : List.copyOf(options);
        answers = answers == null ? List.of() : List.copyOf(answers);
    }

    /** A POPE-style question (no benchmark fields). */
    public Question(String questionId, String image, String text, String label, String category, int line, double[] box, String object) {
        this(questionId, image, text, label, category, line, box, object, null, null, List.of(), List.of(), null);
    }

    /** A question without grounding, e.g. built in a test or from another source. */
    public Question(String questionId, String image, String text, String label, String category) {
        this(questionId, image, text, label, category, -1, null, null);
    }

    @Override
    public double[] box() {
        return box == null ? null : box.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Question q && line == q.line && questionId.equals(q.questionId)
                && Objects.equals(image, q.image) && text.equals(q.text) && Objects.equals(label, q.label)
                && Objects.equals(category, q.category) && Arrays.equals(box, q.box) && Objects.equals(object, q.object)
                && Objects.equals(benchmark, q.benchmark) && Objects.equals(task, q.task) && options.equals(q.options)
                && answers.equals(q.answers) && Objects.equals(group, q.group);
    }

    @Override
    public int hashCode() {
        return Objects.hash(questionId, image, text, label, category, line, Arrays.hashCode(box), object, benchmark, task, options, answers, group);
    }

    @Override
    public String toString() {
        return "Question[" + questionId + " line " + line + " image=" + image + " text=" + text + " label=" + label
                + " category=" + category + (box == null ? "" : " box=" + Arrays.toString(box) + " object=" + object)
                + "]";
    }
}
