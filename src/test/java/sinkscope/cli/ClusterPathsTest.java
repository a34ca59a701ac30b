package sinkscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.data.FakeSchemeFileSystem;
import sinkscope.spark.OutputLock;

/**
 * The main job as a cluster runs it, in local mode: inputs and output root as URIs of a non-{@code file} scheme
 * ({@link FakeSchemeFileSystem}), {@code --from-run} from there, {@code --max-error-fraction} stopping a run whose samples
 * fail (and {@code --resume} going on), and the output-root lock refusing a second run (fake runner, synthetic set).
 */
class ClusterPathsTest {
    @TempDir
    static Path dir;

    static Path synth;
    static long questions;

    @BeforeAll
    static void synth() throws Exception {
        synth = dir.resolve("synth");
        assertEquals(0, Main.run("synth", "--out", synth.toString(), "--images", "4", "--seed", "5"));
        questions = Files.readAllLines(synth.resolve("eval/benchmarks.jsonl")).stream().filter(l -> !l.isBlank()).count();
    }

    /** Runs the command, returning its exit code and what it printed to stdout and stderr. */
    static Object[] run(String... argv) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setOut(both);
        System.setErr(both);
        try {
            return new Object[] {Main.run(argv), buf.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static List<String> common(String images, String out) {
        return List.of("--questions", synth.resolve("eval/benchmarks.jsonl").toString(), "--images", images, "--out", out,
                "--runner", "sinkscope.spark.FakeRunnerFactory", "--master", "local[2]", "--tau", "20", "--configs", "baseline",
                "--attention-layers", "1", "--resamples", "50");
    }

    private static String[] argv(String command, List<String> flags, String... more) {
        List<String> all = new java.util.ArrayList<>();
        all.add(command);
        all.addAll(flags);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void inputsAndOutputRootAsUrisAndFromRunThroughHadoop() throws Exception {
        String questionsUri = FakeSchemeFileSystem.uri(synth.resolve("eval/benchmarks.jsonl"));
        String out = FakeSchemeFileSystem.uri(dir.resolve("remote-out"));
        Object[] r = run("pipeline", "--questions", questionsUri, "--images", FakeSchemeFileSystem.uri(synth.resolve("images")), "--out", out,
                "--runner", "sinkscope.spark.FakeRunnerFactory", "--master", "local[2]", "--tau", "20", "--configs", "baseline",
                "--attention-layers", "1", "--resamples", "50");
        assertEquals(0, r[0], (String) r[1]);
        String log = (String) r[1];
        assertTrue(log.contains("extract: " + questions + " inputs = " + questions + " processed + 0 errors"), log);
        Path local = dir.resolve("remote-out");
        assertTrue(Files.isRegularFile(local.resolve("run.json")), "run.json under the URI output root");
        assertTrue(Files.readString(local.resolve("run.json")).contains(questionsUri), "the record names the URI");
        assertTrue(Files.isRegularFile(local.resolve("report/index.html")), "report under the URI output root");
        try (var charts = Files.list(local.resolve("report/charts"))) {
            assertTrue(charts.anyMatch(p -> p.toString().endsWith(".png")), "charts as PNG under the URI output root");
        }
        assertFalse(Files.exists(local.resolve(OutputLock.FILE)), "lock released");
        assertFalse(Files.exists(Path.of("fakefs:")), "nothing written to a local folder named after the scheme");

        Object[] again = run("pipeline", "--from-run", out + "/run.json", "--out", FakeSchemeFileSystem.uri(dir.resolve("remote-out2")));
        assertEquals(0, again[0], (String) again[1]);
        SparkSession spark = sinkscope.spark.Pipeline.session("local", "local[1]", "check");
        try {
            assertEquals(questions, spark.read().parquet(FakeSchemeFileSystem.uri(dir.resolve("remote-out2/predictions"))).count());
        } finally {
            spark.stop();
        }
    }

    @Test
    void aRunWhoseEveryImageFailsStopsWithTheCountAndTheCommonestReasons() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("no-images"));
        Path out = dir.resolve("all-bad");
        Object[] r = run(argv("pipeline", common(empty.toString(), out.toString())));
        assertEquals(1, r[0], (String) r[1]);
        String log = (String) r[1];
        assertTrue(log.contains("extract: " + questions + " of " + questions + " inputs failed (100.0%, every one)"), log);
        assertTrue(log.contains(questions + " x image: missing image file"), log);
        assertFalse(log.contains("evaluate:"), "stopped after extract");
        assertTrue(Files.isDirectory(out.resolve("errors/job=extract")), "the tables written so far stay");
    }

    @Test
    void aRunUnderTheFractionGoesOnAndOneOverItStopsThenResumes() throws Exception {
        Path images = dir.resolve("some-images");
        Files.createDirectories(images);
        try (var s = Files.list(synth.resolve("images"))) {
            for (Path p : s.sorted().toList()) {
                Files.copy(p, images.resolve(p.getFileName()));
            }
        }
        Files.delete(images.resolve("synth_000002.png")); // 10 of the 32 questions ask about it
        Path out = dir.resolve("some-bad");
        Object[] strict = run(argv("pipeline", common(images.toString(), out.toString()), "--max-error-fraction", "0.1"));
        assertEquals(1, strict[0], (String) strict[1]);
        assertTrue(((String) strict[1]).contains("over --max-error-fraction 0.1"), (String) strict[1]);

        Object[] resumed = run(argv("pipeline", common(images.toString(), out.toString()), "--resume"));
        assertEquals(0, resumed[0], (String) resumed[1]);
        assertTrue(((String) resumed[1]).contains("evaluate:"), (String) resumed[1]);
    }

    @Test
    void aSecondRunIntoALockedRootRefusesNamingTheFirst() throws Exception {
        Path out = Files.createDirectories(dir.resolve("locked"));
        Instant now = Instant.now();
        Files.writeString(out.resolve(OutputLock.FILE), "{\"application_id\": \"app-20261205-0001\", \"host\": \"" + java.net.InetAddress.getLocalHost().getHostName()
                + "\", \"pid\": " + ProcessHandle.current().pid() + ", \"started\": \"" + now + "\", \"heartbeat\": \"" + now + "\"}");
        Object[] r = run(argv("pipeline", common(synth.resolve("images").toString(), out.toString())));
        assertEquals(1, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("in use by another run: application app-20261205-0001"), (String) r[1]);
        assertFalse(Files.exists(out.resolve("run.json")), "nothing written");
    }
}
