package sinkscope.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Test inputs: a POPE-style question file over PNG-signed fake images, with every kind of bad line. */
final class Fixture {
    static final int GOOD = 12;

    /** Line number -> expected error stage and a word of the reason, for the bad lines {@link #write} adds. */
    static final Map<Integer, String> BAD_LINES = Map.of(
            14, "read:malformed JSON",
            15, "read:missing field 'text'",
            16, "read:duplicate question_id",
            17, "image:not an image",
            18, "image:missing image file",
            19, "image:escapes the image root",
            20, "read:missing field 'image'");

    private Fixture() {}

    static byte[] image(int i) {
        byte[] b = new byte[64];
        System.arraycopy(FakeSampleRunner.PNG, 0, b, 0, 8);
        for (int k = 8; k < b.length; k++) {
            b[k] = (byte) (i * 31 + k * 7);
        }
        return b;
    }

    /**
     * {@code dir/images/img<i>.png} for the good samples q0..q11 (lines 1..12), a blank line 13, then the bad
     * lines of {@link #BAD_LINES}; returns the questions file.
     */
    static Path write(Path dir) throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        List<String> lines = new ArrayList<>();
        String[] categories = {"random", "popular", "adversarial"};
        for (int i = 0; i < GOOD; i++) {
            Files.write(images.resolve("img" + i + ".png"), image(i));
            lines.add(String.format("{\"question_id\": %d, \"image\": \"img%d.png\", \"text\": \"Is there a cat %d in the image?\", "
                    + "\"label\": \"%s\", \"category\": \"%s\"}", i, i, i, i % 2 == 0 ? "yes" : "no", categories[i % 3]));
        }
        Files.writeString(images.resolve("notimage.png"), "GIF89a definitely not a png");
        Files.writeString(dir.resolve("outside.png"), "x");
        lines.add("");
        lines.add("{\"question_id\": 100, \"image\": \"img0.png\", \"text\": ");
        lines.add("{\"question_id\": 101, \"image\": \"img1.png\", \"label\": \"yes\"}");
        lines.add("{\"question_id\": 3, \"image\": \"img3.png\", \"text\": \"again?\"}");
        lines.add("{\"question_id\": 103, \"image\": \"notimage.png\", \"text\": \"Is there a dog?\", \"label\": \"no\"}");
        lines.add("{\"question_id\": 104, \"image\": \"gone.png\", \"text\": \"Is there a dog?\", \"label\": \"no\"}");
        lines.add("{\"question_id\": 105, \"image\": \"../outside.png\", \"text\": \"Is there a dog?\", \"label\": \"no\"}");
        lines.add("{\"question_id\": 106, \"text\": \"Is there a dog?\"}");
        Path q = dir.resolve("questions.jsonl");
        Files.write(q, lines, StandardCharsets.UTF_8);
        return q;
    }

    static RunnerSpec spec() {
        return new RunnerSpec(FakeRunnerFactory.class.getName(), null, "auto", 1, List.of(), 20.0, "llava_hf", 8);
    }

    static Pipeline.Settings settings(Path questions, Path out, boolean resume, int partitions) {
        return new Pipeline.Settings(questions, null, SampleSource.Columns.defaults(),
                questions.getParent().resolve("images").toString(), out.toString(), resume, 0, partitions, spec(),
                new ExtractOptions(List.of(3), ExtractOptions.DEFAULT_DIM_FLOOR, 0.2, 0.5),
                List.of(EvalConfig.parse("baseline"), EvalConfig.parse("var"), EvalConfig.parse("ablate_random")),
                null, 2, 4);
    }

    static SparkSession session(String master) {
        return SparkSession.builder().master(master).appName("sinkscope-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.adaptive.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                // as the local profile writes
                .config("spark.hadoop.fs.file.impl", NioLocalFileSystem.class.getName())
                .config("spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version", "2")
                .getOrCreate();
    }

    /** Every row of a table as sorted strings, without the wall-time columns. */
    static List<String> sorted(SparkSession spark, Path out, String table) {
        List<String> rows = new ArrayList<>();
        for (Row r : spark.read().parquet(out.resolve(table).toString()).drop("model_time_ms", "latency_ms").collectAsList()) {
            rows.add(r.toString());
        }
        rows.sort(null);
        return rows;
    }
}
