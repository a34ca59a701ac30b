package sinkscope.data;

/**
 * A line of input that could not be used, kept as a row so nothing is lost: the counts of good rows and error
 * rows add up to the lines read.
 *
 * @param questionId the question id when the line had a usable one, else {@code null}
 * @param line the 1-based line number in the file
 * @param stage where it failed, e.g. {@code "read"}
 * @param reason what is wrong, naming the field
 */
public record InputError(String questionId, int line, String stage, String reason) implements QuestionReader.Row {
}
