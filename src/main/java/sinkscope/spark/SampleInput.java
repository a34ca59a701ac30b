package sinkscope.spark;

import java.io.Serializable;

/**
 * One sample as a {@link SampleRunner} sees it: a question about one image.
 *
 * <p>Exactly one of {@code imagePath} (a local or shared-filesystem path, already resolved against the image
 * root and checked not to escape it) and {@code imageBytes} (encoded image file bytes, e.g. from a Parquet
 * column) is set. {@code line} is the 1-based line of the questions file, {@code null} for table inputs.
 * {@code label}, {@code category}, {@code object} and {@code box} ({@code x0, y0, x1, y1} in pixels of the original image) are optional.
 * {@code question} is the text the model is asked (options and the benchmark's prompt suffix included); {@code benchmark}
 * and {@code task} say how its answer is scored; {@code maxNewTokens} overrides the runner's generation limit when
 * above 0 (captions are longer than short answers).
 */
public record SampleInput(
        String questionId,
        Integer line,
        String imagePath,
        byte[] imageBytes,
        String question,
        String label,
        String category,
        String object,
        double[] box,
        String benchmark,
        String task,
        int maxNewTokens) implements Serializable {

    /** A POPE question with the runner's generation limit. */
    public SampleInput(String questionId, Integer line, String imagePath, byte[] imageBytes, String question, String label,
                       String category, String object, double[] box) {
        this(questionId, line, imagePath, imageBytes, question, label, category, object, box, "pope", "yes_no", 0);
    }

    /** A short name for messages: the question id, or the line when there is none. */
    public String describe() {
        return questionId != null ? "question " + questionId : "line " + line;
    }
}
