package sinkscope.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * MME in its two published layouts.
 * <ul>
 *   <li>The release folder {@code MME_Benchmark_release_version/}: one folder per subtask, holding either
 *       {@code images/} and {@code questions_answers_YN/} (artwork, celebrity, landmark, posters, scene) or the
 *       images and their question files side by side. Each image {@code X.jpg} (or .png) has {@code X.txt} with
 *       two lines {@code question\tanswer}.</li>
 *   <li>The eval tool's files ({@code eval_tool/Your_Results/<subtask>.txt}, or a folder of them): lines
 *       {@code image\tquestion\tanswer}, and once filled in {@code image\tquestion\tanswer\tprediction}; the
 *       subtask is the file name.</li>
 * </ul>
 * A line with the wrong number of tab-separated fields, an empty question, an answer other than yes/no (any case;
 * the tool asserts it), or a question file without its image is an error naming the file, line and field.
 */
public final class MmeReader {

    /** One question; {@code prediction} is null unless the eval tool's fourth column was there. */
    public record MmeQuestion(String subtask, String image, String question, String answer, String prediction,
                              String file, int line) {}

    private static final String QA_FOLDER = "questions_answers_YN";
    private static final List<String> IMAGE_EXT = List.of(".jpg", ".png", ".jpeg", ".JPG", ".PNG", ".JPEG");

    private MmeReader() {}

    /** A release folder, a folder of eval-tool files, or one eval-tool file. */
    public static BenchmarkRead<MmeQuestion> read(Path path) throws IOException {
        BenchmarkRead<MmeQuestion> out = new BenchmarkRead<>();
        if (!Files.isDirectory(path)) {
            evalToolFile(path, out);
            return out;
        }
        List<Path> subdirs = list(path).stream().filter(Files::isDirectory).toList();
        if (subdirs.isEmpty()) {
            for (Path p : list(path)) {
                if (p.getFileName().toString().endsWith(".txt")) {
                    evalToolFile(p, out);
                }
            }
            return out;
        }
        for (Path dir : subdirs) {
            String subtask = dir.getFileName().toString();
            Path qa = dir.resolve(QA_FOLDER);
            if (!Files.isDirectory(qa)) {
                qa = dir;
            }
            for (Path txt : list(qa)) {
                String name = txt.getFileName().toString();
                if (name.endsWith(".txt")) {
                    releaseFile(subtask, txt, imageDir(txt), name.substring(0, name.length() - 4), out);
                }
            }
        }
        return out;
    }

    /**
     * The folder of the image a release-layout question file belongs to: {@code images/} beside
     * {@code questions_answers_YN/}, else the file's own folder.
     */
    public static Path imageDir(Path questionFile) {
        Path dir = questionFile.toAbsolutePath().getParent();
        return dir.getFileName() != null && dir.getFileName().toString().equals(QA_FOLDER) ? dir.resolveSibling("images") : dir;
    }

    private static void releaseFile(String subtask, Path txt, Path images, String stem, BenchmarkRead<MmeQuestion> out)
            throws IOException {
        String f = txt.toString();
        String image = null;
        for (String ext : IMAGE_EXT) {
            if (Files.isRegularFile(images.resolve(stem + ext))) {
                image = stem + ext;
                break;
            }
        }
        String img = image;
        int[] n = {0};
        Utf8Lines.forEach(txt, line -> {
            n[0]++;
            if (line != null && line.isBlank()) {
                return;
            }
            try {
                String[] c = fields(line, 2, 2);
                String q = question(c[0]);
                String a = answer(c[1]);
                if (img == null) {
                    throw new Fields.Bad("image", "no image " + stem + ".jpg or .png in " + images);
                }
                out.items().add(new MmeQuestion(subtask, img, q, a, null, f, n[0]));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, n[0], e));
            }
        });
    }

    private static void evalToolFile(Path txt, BenchmarkRead<MmeQuestion> out) throws IOException {
        String f = txt.toString();
        String name = txt.getFileName().toString();
        String subtask = name.endsWith(".txt") ? name.substring(0, name.length() - 4) : name;
        int[] n = {0};
        Utf8Lines.forEach(txt, line -> {
            n[0]++;
            if (line != null && line.isBlank()) {
                return;
            }
            try {
                String[] c = fields(line, 3, 4);
                if (c[0].isBlank()) {
                    throw new Fields.Bad("image", "empty");
                }
                out.items().add(new MmeQuestion(subtask, c[0].trim(), question(c[1]), answer(c[2]),
                        c.length == 4 ? c[3] : null, f, n[0]));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, n[0], e));
            }
        });
    }

    private static String[] fields(String line, int min, int max) {
        if (line == null) {
            throw new Fields.Bad(null, "not valid UTF-8");
        }
        String[] c = line.split("\t", -1);
        if (c.length < min || c.length > max) {
            throw new Fields.Bad(null, c.length + " tab-separated fields, expected "
                    + (min == max ? String.valueOf(min) : min + " or " + max));
        }
        return c;
    }

    private static String question(String q) {
        if (q.isBlank()) {
            throw new Fields.Bad("question", "empty");
        }
        return q;
    }

    private static String answer(String a) {
        String t = a.trim().toLowerCase(Locale.ROOT);
        if (!t.equals("yes") && !t.equals("no")) {
            throw new Fields.Bad("answer", "must be yes or no, got '" + a + "'");
        }
        return t;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
