package sinkscope.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.cli.Main;

class SyntheticBenchmarkTest {

    private static final int IMAGES = 60;
    private static final int SIZE = 96;
    private static final long SEED = 11;

    @TempDir
    static Path tmp;

    static Path out;
    static SyntheticBenchmark.Summary summary;
    /** image name -> its annotation line */
    static Map<String, JsonObject> annotations = new HashMap<>();

    @BeforeAll
    static void generate() throws IOException {
        out = tmp.resolve("a");
        summary = SyntheticBenchmark.generate(out, IMAGES, SEED, SIZE, 0.5);
        for (String line : Files.readAllLines(out.resolve("annotations.jsonl"))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            annotations.put(o.get("image").getAsString(), o);
        }
    }

    private static List<Question> questions(String part) throws IOException {
        QuestionReader.Result r = QuestionReader.read(out.resolve(part).resolve("questions.jsonl"));
        assertEquals(List.of(), r.errors(), part + " questions must read without errors");
        return r.questions();
    }

    private static Set<String> present(String image) {
        Set<String> names = new HashSet<>();
        for (JsonElement e : annotations.get(image).getAsJsonArray("objects")) {
            names.add(e.getAsJsonObject().get("name").getAsString());
        }
        return names;
    }

    private static JsonObject annotated(String image, String object) {
        for (JsonElement e : annotations.get(image).getAsJsonArray("objects")) {
            if (e.getAsJsonObject().get("name").getAsString().equals(object)) {
                return e.getAsJsonObject();
            }
        }
        return null;
    }

    @Test
    void sameSeedGivesByteIdenticalFilesAndAnotherSeedDoesNot() throws IOException {
        Path again = tmp.resolve("again");
        SyntheticBenchmark.generate(again, IMAGES, SEED, SIZE, 0.5);
        List<Path> files = listFiles(out);
        assertEquals(files, listFiles(again));
        assertEquals(IMAGES + 5, files.size()); // images, train and eval questions, eval benchmarks, annotations, README
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(out.resolve(f)), Files.readAllBytes(again.resolve(f)), f.toString());
        }
        Path other = tmp.resolve("other");
        SyntheticBenchmark.generate(other, IMAGES, SEED + 1, SIZE, 0.5);
        assertNotEquals(Files.readString(out.resolve("eval/questions.jsonl")),
                Files.readString(other.resolve("eval/questions.jsonl")));
        assertFalse(Arrays.equals(Files.readAllBytes(out.resolve("images/synth_000000.png")),
                Files.readAllBytes(other.resolve("images/synth_000000.png"))));
    }

    private static List<Path> listFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }

    @Test
    void theEmbeddedEvalSetIsReusedOnlyWhenThisGeneratorMadeIt(@TempDir Path dir) throws IOException {
        Path set = dir.resolve("eval-set");
        SyntheticBenchmark.ensureEvalSet(set, 3, 11);
        Path readme = set.resolve("README.md");
        String made = Files.readString(readme);
        Path marker = Files.writeString(set.resolve("kept.txt"), "a file of the first generation");
        SyntheticBenchmark.ensureEvalSet(set, 3, 11);
        assertTrue(Files.exists(marker), "an up-to-date set is reused as it is");

        Files.writeString(readme, made.replace("Shapes: ", "Shapes: hexagon, ")); // as an older generator wrote it
        SyntheticBenchmark.ensureEvalSet(set, 3, 11);
        assertFalse(Files.exists(marker), "a set from another generator version is regenerated");
        assertEquals(made, Files.readString(readme));
        assertEquals(3, QuestionReader.read(set.resolve("eval/questions.jsonl")).questions().stream().map(Question::image).distinct().count());
    }

    @Test
    void trainAndEvalUseDisjointImagesAndCountsMatch() throws IOException {
        List<Question> train = questions("train");
        List<Question> eval = questions("eval");
        assertEquals(new SyntheticBenchmark.Summary(IMAGES, IMAGES / 2, IMAGES / 2, train.size(), eval.size()), summary);
        Set<String> trainImages = train.stream().map(Question::image).collect(Collectors.toSet());
        Set<String> evalImages = eval.stream().map(Question::image).collect(Collectors.toSet());
        assertEquals(IMAGES / 2, trainImages.size());
        assertEquals(IMAGES / 2, evalImages.size());
        assertTrue(trainImages.stream().noneMatch(evalImages::contains));
        for (String image : trainImages) {
            assertEquals("train", annotations.get(image).get("split").getAsString());
        }
        for (String image : evalImages) {
            assertEquals("eval", annotations.get(image).get("split").getAsString());
            assertTrue(Files.isRegularFile(out.resolve("images").resolve(image)), image);
        }
        Set<String> ids = new HashSet<>();
        Stream.concat(train.stream(), eval.stream()).forEach(q -> assertTrue(ids.add(q.questionId()), q.questionId()));
    }

    @Test
    void everyPopeSplitIsBalancedPerImageAndLabelsMatchTheAnnotations() throws IOException {
        for (String part : List.of("train", "eval")) {
            Map<String, int[]> yesNo = new HashMap<>();
            for (Question q : questions(part)) {
                if (!SyntheticBenchmark.POPE_SPLITS.contains(q.category())) {
                    continue;
                }
                String object = q.object();
                assertEquals("Is there a " + object + " in the image?", q.text());
                boolean there = present(q.image()).contains(object);
                assertEquals(there ? "yes" : "no", q.label(), q.toString());
                if (there) {
                    double[] box = annotated(q.image(), object).getAsJsonArray("box").asList().stream()
                            .mapToDouble(JsonElement::getAsDouble).toArray();
                    assertArrayEquals(box, q.box(), q.toString());
                } else {
                    assertNull(q.box(), q.toString());
                }
                int[] c = yesNo.computeIfAbsent(part + "/" + q.category() + "/" + q.image(), k -> new int[2]);
                c[there ? 0 : 1]++;
            }
            assertEquals(3 * IMAGES / 2, yesNo.size(), "every image has questions in every split");
            for (Map.Entry<String, int[]> e : yesNo.entrySet()) {
                assertEquals(e.getValue()[0], e.getValue()[1], e.getKey() + ": yes and no counts");
                assertTrue(e.getValue()[0] >= 1 && e.getValue()[0] <= 3, e.getKey());
            }
        }
    }

    @Test
    void adversarialNegativesShareColourOrShapeWithAPresentObject() throws IOException {
        int checked = 0;
        for (Question q : questions("eval")) {
            if (q.category().equals("adversarial") && q.label().equals("no")) {
                String[] asked = q.object().split(" ");
                boolean shares = false;
                for (String name : present(q.image())) {
                    String[] p = name.split(" ");
                    shares |= p[0].equals(asked[0]) || p[1].equals(asked[1]);
                }
                assertTrue(shares, q + " shares nothing with " + present(q.image()));
                checked++;
            }
        }
        assertTrue(checked >= IMAGES / 2, "checked " + checked);
    }

    @Test
    void popularNegativesAreTheMostFrequentAbsentClasses() throws IOException {
        Map<String, Integer> frequency = new HashMap<>();
        for (JsonObject a : annotations.values()) {
            for (JsonElement e : a.getAsJsonArray("objects")) {
                frequency.merge(e.getAsJsonObject().get("name").getAsString(), 1, Integer::sum);
            }
        }
        List<String> byFrequency = new ArrayList<>();
        for (String colour : SyntheticScene.COLORS) {
            for (String shape : SyntheticScene.SHAPES) {
                byFrequency.add(colour + " " + shape); // class-index order breaks ties
            }
        }
        byFrequency.sort(Comparator.comparingInt(c -> -frequency.getOrDefault(c, 0)));
        assertTrue(frequency.get(byFrequency.get(0)) > frequency.getOrDefault(byFrequency.get(byFrequency.size() - 1), 0),
                "class frequencies are skewed");
        Map<String, Set<String>> asked = new HashMap<>();
        for (Question q : questions("eval")) {
            if (q.category().equals("popular") && q.label().equals("no")) {
                asked.computeIfAbsent(q.image(), k -> new HashSet<>()).add(q.object());
            }
        }
        for (Map.Entry<String, Set<String>> e : asked.entrySet()) {
            Set<String> expected = new HashSet<>(byFrequency.stream().filter(c -> !present(e.getKey()).contains(c))
                    .limit(e.getValue().size()).toList());
            assertEquals(expected, e.getValue(), e.getKey());
        }
    }

    @Test
    void openQuestionsHaveReferenceAnswers() throws IOException {
        int open = 0;
        for (Question q : questions("eval")) {
            if (q.category().startsWith("open_")) {
                open++;
                JsonObject o = annotated(q.image(), q.object());
                assertNotNull(o, q.toString());
                if (q.category().equals("open_color")) {
                    assertEquals("What color is the " + o.get("shape").getAsString() + "?", q.text());
                    assertEquals(o.get("color").getAsString(), q.label());
                } else {
                    assertEquals("open_shape", q.category());
                    assertEquals("What shape is the " + o.get("color").getAsString() + " object?", q.text());
                    assertEquals(o.get("shape").getAsString(), q.label());
                }
            }
        }
        assertTrue(open > 0);
    }

    @Test
    void colouredPixelsLieInsideTheObjectBoxes() throws IOException {
        for (JsonObject a : annotations.values()) {
            BufferedImage img = ImageIO.read(out.resolve("images").resolve(a.get("image").getAsString()).toFile());
            assertEquals(SIZE, img.getWidth());
            assertEquals(SIZE, img.getHeight());
            List<int[]> boxes = new ArrayList<>();
            for (JsonElement e : a.getAsJsonArray("objects")) {
                boxes.add(e.getAsJsonObject().getAsJsonArray("box").asList().stream().mapToInt(JsonElement::getAsInt).toArray());
            }
            int[] insideCount = new int[boxes.size()];
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    int rgb = img.getRGB(x, y);
                    int r = (rgb >> 16) & 255;
                    int g = (rgb >> 8) & 255;
                    int b = rgb & 255;
                    if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) < 60) {
                        continue;
                    }
                    boolean inside = false;
                    for (int i = 0; i < boxes.size(); i++) {
                        int[] bx = boxes.get(i);
                        if (x >= bx[0] && x < bx[2] && y >= bx[1] && y < bx[3]) {
                            inside = true;
                            insideCount[i]++;
                        }
                    }
                    assertTrue(inside, a.get("image").getAsString() + ": saturated pixel (" + x + "," + y + ") outside every box");
                }
            }
            for (int i = 0; i < boxes.size(); i++) {
                int[] bx = boxes.get(i);
                int area = (bx[2] - bx[0]) * (bx[3] - bx[1]);
                assertTrue(insideCount[i] > area / 4, a.get("image").getAsString() + " object " + i + " is drawn in its box");
            }
        }
    }

    @Test
    void nonSquareScenesKeepTheirObjectsOnTheCanvasAndSquareOnesAreUnchanged(@TempDir Path dir) throws IOException {
        SyntheticBenchmark.generate(dir.resolve("wide"), 6, 5, 168, 112, 0.0);
        int seen = 0;
        for (String line : Files.readAllLines(dir.resolve("wide").resolve("annotations.jsonl"))) {
            JsonObject a = JsonParser.parseString(line).getAsJsonObject();
            BufferedImage img = ImageIO.read(dir.resolve("wide").resolve("images").resolve(a.get("image").getAsString()).toFile());
            assertEquals(168, img.getWidth());
            assertEquals(112, img.getHeight());
            for (JsonElement e : a.getAsJsonArray("objects")) {
                int[] bx = e.getAsJsonObject().getAsJsonArray("box").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
                assertTrue(bx[0] >= 0 && bx[2] <= 168 && bx[1] >= 0 && bx[3] <= 112 && bx[2] > bx[0] && bx[3] > bx[1], "box " + java.util.Arrays.toString(bx));
                seen++;
            }
        }
        assertTrue(seen >= 6, "objects drawn: " + seen);
        // a square canvas through the width x height path draws the very scenes of the square path
        java.util.function.Function<List<SyntheticScene>, String> describe = scenes -> scenes.stream().map(sc -> sc.background() + sc.objects().stream()
                .map(o -> o.shape() + o.color() + o.x() + "," + o.y() + "," + o.side() + java.util.Arrays.toString(o.box())).toList()).toList().toString();
        assertEquals(describe.apply(SyntheticBenchmark.build(4, 3, 96, 0.5).scenes()), describe.apply(SyntheticBenchmark.build(4, 3, 96, 96, 0.5).scenes()));
    }

    @Test
    void rejectsBadParametersAndNonEmptyOutput() {
        assertThrows(IllegalArgumentException.class, () -> SyntheticBenchmark.build(0, 1, 224, 0.5));
        assertThrows(IllegalArgumentException.class, () -> SyntheticBenchmark.build(4, 1, 16, 0.5));
        assertThrows(IllegalArgumentException.class, () -> SyntheticBenchmark.build(4, 1, 224, 1.5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyntheticBenchmark.generate(out, 4, 1, 64, 0.5));
        assertTrue(e.getMessage().contains(out.toString()), e.getMessage());
    }

    @Test
    void synthCommandWritesTheLayout() {
        Path dir = tmp.resolve("cli");
        assertEquals(0, Main.run("synth", "--out", dir.toString(), "--images", "5", "--seed", "3", "--size", "64",
                "--train-fraction", "0.4"));
        assertTrue(Files.isRegularFile(dir.resolve("README.md")));
        assertTrue(Files.isRegularFile(dir.resolve("train/questions.jsonl")));
        assertTrue(Files.isRegularFile(dir.resolve("eval/questions.jsonl")));
        assertTrue(Files.isRegularFile(dir.resolve("images/synth_000004.png")));
        assertEquals(2, Main.run("synth", "--out", tmp.resolve("cli2").toString(), "--images", "5", "--seed", "3",
                "--colour", "red"));
        assertEquals(2, Main.run("synth", "--out", tmp.resolve("cli3").toString(), "--images", "5"));
    }
}
