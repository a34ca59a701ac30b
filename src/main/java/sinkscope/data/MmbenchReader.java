package sinkscope.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * MMBench's published TSV ({@code mmbench_dev_20230712.tsv}): a header row naming the columns {@code index},
 * {@code question}, {@code hint}, {@code A}..{@code D}, {@code answer} (absent or empty in the test split),
 * {@code category}, {@code image} (the image file, base64), and more that are ignored. The options are the
 * letters up to the first missing one (empty, {@code nan} or {@code none}, as LLaVA's {@code model_vqa_mmbench.py}
 * reads them). The circular-evaluation group of a row is {@code index % 1_000_000} (MMBench's circular copies of
 * a question add multiples of 1e6 to its index).
 *
 * <p>Errors name the column: a non-integer or repeated {@code index}, an empty {@code question}, fewer than two
 * options, an {@code answer} that is not one of the options' letters, an {@code image} that is not base64, a
 * row with a different number of fields than the header.
 */
public final class MmbenchReader {

    /** One row. {@code answer} is the 0-based option index, -1 when the split has no answers. */
    public record MmbenchQuestion(long index, String question, String hint, List<String> options, int answer,
                                  String category, String imageBase64, int line) {
        /** The circular-evaluation group: {@code index % 1_000_000}. */
        public long group() {
            return index % 1_000_000L;
        }
    }

    private MmbenchReader() {}

    /** The options as round {@code round} of LLaVA's {@code --all-rounds} shows them: letter k is option {@code (k + round) % n}. */
    public static List<String> rotated(List<String> options, int round) {
        int n = options.size();
        List<String> shown = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            shown.add(options.get((k + round) % n));
        }
        return List.copyOf(shown);
    }

    public static BenchmarkRead<MmbenchQuestion> read(Path tsv) throws IOException {
        BenchmarkRead<MmbenchQuestion> out = new BenchmarkRead<>();
        String f = tsv.toString();
        List<Delimited.Row> rows = Delimited.read(tsv, '\t');
        if (rows.isEmpty()) {
            out.errors().add(new ReadError(f, 1, null, "empty file: no header row"));
            return out;
        }
        Delimited.Row header = rows.get(0);
        if (header.error() != null) {
            out.errors().add(new ReadError(f, header.line(), null, header.error()));
            return out;
        }
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < header.fields().size(); i++) {
            col.put(header.fields().get(i).trim(), i);
        }
        for (String required : List.of("index", "question", "A", "B", "image")) {
            if (!col.containsKey(required)) {
                out.errors().add(new ReadError(f, header.line(), required, "missing column in the header"));
                return out;
            }
        }
        Set<Long> seen = new HashSet<>();
        for (Delimited.Row r : rows.subList(1, rows.size())) {
            if (r.error() != null) {
                out.errors().add(new ReadError(f, r.line(), null, r.error()));
                continue;
            }
            try {
                if (r.fields().size() != header.fields().size()) {
                    throw new Fields.Bad(null, r.fields().size() + " fields, the header has " + header.fields().size());
                }
                long index;
                try {
                    index = Long.parseLong(get(r, col, "index").trim());
                } catch (NumberFormatException e) {
                    throw new Fields.Bad("index", "must be an integer, got '" + get(r, col, "index") + "'");
                }
                if (!seen.add(index)) {
                    throw new Fields.Bad("index", "duplicate index " + index);
                }
                String question = get(r, col, "question");
                if (question == null || question.isBlank()) {
                    throw new Fields.Bad("question", "empty");
                }
                List<String> options = new ArrayList<>();
                for (String letter : List.of("A", "B", "C", "D", "E", "F", "G", "H", "I")) {
                    String v = get(r, col, letter);
                    if (isNone(v)) {
                        break;
                    }
                    options.add(v);
                }
                if (options.size() < 2) {
                    throw new Fields.Bad("B", "a question needs at least options A and B");
                }
                String a = get(r, col, "answer");
                int answer = -1;
                if (!isNone(a)) {
                    String t = a.trim();
                    answer = t.length() == 1 ? t.charAt(0) - 'A' : -1;
                    if (answer < 0 || answer >= options.size()) {
                        throw new Fields.Bad("answer", "'" + a + "' is not one of the letters A.." + (char) ('A' + options.size() - 1));
                    }
                }
                String image = get(r, col, "image");
                if (image == null || image.isBlank()) {
                    throw new Fields.Bad("image", "empty");
                }
                try {
                    Base64.getDecoder().decode(image.replaceAll("\\s", ""));
                } catch (IllegalArgumentException e) {
                    throw new Fields.Bad("image", "not base64: " + e.getMessage());
                }
                String hint = get(r, col, "hint");
                out.items().add(new MmbenchQuestion(index, question, isNone(hint) ? null : hint, List.copyOf(options),
                        answer, get(r, col, "category"), image.trim(), r.line()));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, r.line(), e));
            }
        }
        return out;
    }

    private static String get(Delimited.Row r, Map<String, Integer> col, String name) {
        Integer i = col.get(name);
        return i == null || i >= r.fields().size() ? null : r.fields().get(i);
    }

    /** LLaVA's is_none: absent, empty, "nan" or "none" (any case). */
    static boolean isNone(String v) {
        if (v == null || v.isEmpty()) {
            return true;
        }
        String l = v.toLowerCase(Locale.ROOT);
        return l.equals("nan") || l.equals("none");
    }
}
