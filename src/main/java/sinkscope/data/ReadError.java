package sinkscope.data;

/**
 * A record of a benchmark file that could not be used, kept so nothing is lost silently; the reader goes on with
 * the next one. Printed as {@code file:line: field: reason}.
 *
 * @param file the file, as given
 * @param line 1-based line where the record starts (for JSON: where its value starts)
 * @param field the field that is wrong, or {@code null} when the record as a whole is (malformed line)
 * @param reason what is wrong
 */
public record ReadError(String file, int line, String field, String reason) {
    @Override
    public String toString() {
        return file + ":" + line + ": " + (field == null ? "" : field + ": ") + reason;
    }
}
