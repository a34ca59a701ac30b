package sinkscope.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of a CSV or TSV file as pandas writes and reads them (RFC 4180 quoting): a field may be enclosed in
 * {@code "}, inside which the separator and newlines are literal and {@code ""} is a quote; each row knows the
 * line it starts on. A line that is not valid UTF-8 or a quote left open at the end of the file is an error row.
 */
final class Delimited {
    private Delimited() {}

    /** One row: its first line, its fields, or the reason it could not be read. */
    record Row(int line, List<String> fields, String error) {}

    static List<Row> read(Path file, char sep) throws IOException {
        List<Row> rows = new ArrayList<>();
        int[] lineNo = {0};
        int[] start = {0};
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean[] quoted = {false}; // inside a quoted field, across lines
        Utf8Lines.forEach(file, line -> {
            lineNo[0]++;
            if (line == null) {
                if (!quoted[0]) {
                    rows.add(new Row(lineNo[0], null, "not valid UTF-8"));
                    return;
                }
                line = "\uFFFD";
            }
            if (!quoted[0]) {
                start[0] = lineNo[0];
                fields.clear();
                field.setLength(0);
                if (line.isEmpty()) {
                    return;
                }
            } else {
                field.append('\n');
            }
            int i = 0;
            boolean atFieldStart = !quoted[0] && true;
            while (i < line.length()) {
                char c = line.charAt(i);
                if (quoted[0]) {
                    if (c == '"') {
                        if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                            field.append('"');
                            i += 2;
                            continue;
                        }
                        quoted[0] = false;
                    } else {
                        field.append(c);
                    }
                } else if (c == sep) {
                    fields.add(field.toString());
                    field.setLength(0);
                    atFieldStart = true;
                    i++;
                    continue;
                } else if (c == '"' && atFieldStart && field.length() == 0) {
                    quoted[0] = true;
                } else {
                    field.append(c);
                }
                atFieldStart = false;
                i++;
            }
            if (!quoted[0]) {
                fields.add(field.toString());
                rows.add(new Row(start[0], List.copyOf(fields), null));
            }
        });
        if (quoted[0]) {
            rows.add(new Row(start[0], null, "quoted field not closed before the end of the file"));
        }
        return rows;
    }
}
