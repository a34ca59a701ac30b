package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.data.SyntheticBenchmark;
import sinkscope.spark.StandaloneCluster.Submission;

/**
 * The jobs on a real Spark standalone cluster (master and two workers, separate JVMs, {@link StandaloneCluster}) and a
 * real HDFS ({@link MiniHdfs}), submitted through {@code jobs/submit.sh} with the uber-jar and the bundled model. CPU jobs
 * use {@code conf/local-cluster.properties} (one 1-core executor per worker); the GPU test uses submit.sh's own
 * {@code conf/gpu-cluster.properties}.
 */
@Tag("cluster")
@ExtendWith(ClusterExtension.class)
class StandaloneClusterTest {
    /** Minutes on a quiet 2-core machine; generous for a shared one (only a hung job waits this long). */
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(45);
    private static final String CUDA = "asked for, but CUDA is not available";

    /** Two CPU executors of one core, one per worker. */
    private static List<String> cpuExecutors() {
        return List.of("--properties-file", Path.of("conf/local-cluster.properties").toAbsolutePath().toString(), "--conf", "spark.cores.max=2");
    }

    /** The main job as the README runs it (no flag) from a project folder: the same answers and token rows as local mode. */
    @Test
    void mainJobWithItsDefaultsGivesLocalModesPredictions(StandaloneCluster cluster, @TempDir Path project) throws Exception {
        Submission run = cluster.submit(project, cpuExecutors(), List.of("pipeline"), JOB_TIMEOUT, line -> {});
        assertEquals(0, run.exitCode(), StandaloneCluster.tail(run.output()));
        Path questions = project.resolve("runs/synthetic-pope-eval-24/eval/benchmarks.jsonl");
        long n = Files.readAllLines(questions).stream().filter(l -> !l.isBlank()).count();
        assertTrue(run.output().contains("extract: " + n + " inputs = " + n + " processed + 0 errors"), StandaloneCluster.tail(run.output()));

        // local mode with the same defaults, in the same project folder (sinkscope.home is what jobs/sinkscope sets)
        Path localOut = project.resolve("local");
        String home = System.getProperty("sinkscope.home");
        int rc;
        try {
            System.setProperty("sinkscope.home", project.toString());
            rc = sinkscope.cli.Main.run("pipeline", "--out", localOut.toString());
        } finally {
            if (home == null) {
                System.clearProperty("sinkscope.home");
            } else {
                System.setProperty("sinkscope.home", home);
            }
        }
        assertEquals(0, rc);
        SparkSession spark = Fixture.session("local[1]");
        try {
            Path clusterOut = project.resolve("runs/latest");
            List<String> local = answers(spark, localOut.toString());
            assertEquals(n * 6, local.size(), "6 default configs per question");
            assertEquals(local, answers(spark, clusterOut.toString()));
            long tokens = spark.read().parquet(localOut.resolve("tokens").toString()).count();
            assertTrue(tokens > n, "token rows: " + tokens);
            assertEquals(tokens, spark.read().parquet(clusterOut.resolve("tokens").toString()).count());
            assertEquals(0, spark.read().parquet(clusterOut.resolve("errors").toString()).count());
        } finally {
            spark.stop();
        }
    }

    /** Questions, images and the output root on HDFS, bad inputs mixed in: each good question once per config, each bad one an error row. */
    @Test
    void questionsImagesAndOutputOnHdfs(StandaloneCluster cluster, MiniHdfs hdfs, @TempDir Path tmp) throws Exception {
        Path synth = SyntheticBenchmark.ensureEvalSet(tmp.resolve("synth"), 2, 7);
        List<String> lines = new ArrayList<>(Files.readAllLines(synth.resolve("eval/benchmarks.jsonl")));
        Set<String> good = new TreeSet<>();
        for (String l : lines) {
            Matcher m = Pattern.compile("\"question_id\":(\\d+)").matcher(l);
            assertTrue(m.find(), l);
            good.add(m.group(1));
        }
        String firstId = good.iterator().next();
        // the bad inputs of Fixture, line by line after the good ones: line -> stage and a word of the reason
        Map<Integer, String> bad = new TreeMap<>();
        String[][] badLines = {
            {"{\"question_id\": 9100, \"image\": \"synth_000000.png\", \"text\": ", "read:malformed JSON"},
            {"{\"question_id\": 9101, \"image\": \"synth_000000.png\", \"label\": \"yes\"}", "read:missing field 'text'"},
            {"{\"question_id\": " + firstId + ", \"image\": \"synth_000001.png\", \"text\": \"again?\"}", "read:duplicate question_id"},
            {"{\"question_id\": 9103, \"image\": \"notimage.png\", \"text\": \"Is there a dog?\", \"label\": \"no\"}", "image:not an image"},
            {"{\"question_id\": 9104, \"image\": \"gone.png\", \"text\": \"Is there a dog?\", \"label\": \"no\"}", "image:no such file"},
            {"{\"question_id\": 9105, \"image\": \"../outside.png\", \"text\": \"Is there a dog?\", \"label\": \"no\"}", "image:escapes the image root"},
            {"{\"question_id\": 9106, \"text\": \"Is there a dog?\"}", "read:missing field 'image'"}};
        for (String[] b : badLines) {
            lines.add(b[0]);
            bad.put(lines.size(), b[1]);
        }
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.write(in.resolve("questions.jsonl"), lines, StandardCharsets.UTF_8);
        Path images = Files.createDirectories(in.resolve("images"));
        try (Stream<Path> s = Files.list(synth.resolve("images"))) {
            for (Path p : s.toList()) {
                Files.copy(p, images.resolve(p.getFileName()));
            }
        }
        Files.writeString(images.resolve("notimage.png"), "definitely not a png");
        Files.write(in.resolve("outside.png"), Files.readAllBytes(images.resolve("synth_000000.png")));
        org.apache.hadoop.fs.FileSystem fs = hdfs.fs();
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(in.toUri()), new org.apache.hadoop.fs.Path("/hdfs-test/in"));
        String base = hdfs.uri() + "/hdfs-test";

        Submission run = cluster.submit(tmp, cpuExecutors(), List.of("pipeline", "--questions", base + "/in/questions.jsonl",
                "--images", base + "/in/images", "--out", base + "/out", "--configs", "baseline,var", "--partitions", "2"), JOB_TIMEOUT, line -> {});
        String log = StandaloneCluster.tail(run.output());
        assertEquals(0, run.exitCode(), log);
        int inputs = good.size() + bad.size();
        assertTrue(run.output().contains("extract: " + inputs + " inputs = " + good.size() + " processed + " + bad.size() + " errors"), log);
        // the three bad images reach evaluate too, and fail there once per config
        assertTrue(run.output().contains("evaluate: " + (good.size() + 3) * 2 + " runs (2 configs) = " + good.size() * 2
                + " predictions + 6 errors"), log);
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/hdfs-test/out/run.json")), "run.json on HDFS");
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/hdfs-test/out/report/index.html")), "the report on HDFS");
        assertFalse(Files.exists(tmp.resolve("hdfs:")), "nothing written to a local folder named after the URI");
        SparkSession spark = Fixture.session("local[1]");
        try {
            Dataset<Row> predictions = spark.read().parquet(base + "/out/predictions");
            assertEquals(good.size() * 2L, predictions.count());
            Map<String, Integer> perQuestion = new HashMap<>();
            for (Row r : predictions.groupBy("question_id", "config").count().collectAsList()) {
                assertEquals(1L, r.getLong(2), "once per config: " + r);
                perQuestion.merge(r.getString(0), 1, Integer::sum);
            }
            assertEquals(good, perQuestion.keySet());
            assertTrue(perQuestion.values().stream().allMatch(c -> c == 2), perQuestion.toString());
            Map<Integer, String> seen = new TreeMap<>();
            for (Row r : spark.read().parquet(base + "/out/errors").where("job <> 'evaluate'").collectAsList()) {
                seen.put(r.getAs("line"), r.getAs("stage") + ":" + r.getAs("reason"));
            }
            assertEquals(bad.keySet(), seen.keySet(), "error rows: " + seen);
            for (Map.Entry<Integer, String> e : bad.entrySet()) {
                String[] want = e.getValue().split(":");
                String got = seen.get(e.getKey());
                assertTrue(got.startsWith(want[0] + ":") && got.contains(want[1]), "line " + e.getKey() + ": " + got);
            }
        } finally {
            spark.stop();
        }
    }

    /** kill -9 of a worker and its executor while {@code evaluate} runs: the job ends, every answer there once. */
    @Test
    void aWorkerKilledDuringEvaluateLosesNothing(StandaloneCluster cluster, @TempDir Path tmp) throws Exception {
        Path synth = SyntheticBenchmark.ensureEvalSet(tmp.resolve("synth"), 3, 11);
        long n = Files.readAllLines(synth.resolve("eval/benchmarks.jsonl")).stream().filter(l -> !l.isBlank()).count();
        Path out = tmp.resolve("out");
        AtomicReference<List<Long>> killed = new AtomicReference<>();
        // the bundled model's sink dimension (what sinkstats recommends for it) for VAR
        Submission run = cluster.submit(tmp, cpuExecutors(), List.of("evaluate", "--questions", synth.resolve("eval/benchmarks.jsonl").toString(),
                "--images", synth.resolve("images").toString(), "--out", out.toString(), "--configs", "baseline,var", "--sink-dims", "127",
                "--partitions", "4"), JOB_TIMEOUT, line -> {
                    if (line.startsWith("evaluate: ") && killed.get() == null) {
                        try {
                            killed.set(cluster.killWorker(1));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                });
        String log = StandaloneCluster.tail(run.output());
        assertEquals(0, run.exitCode(), log);
        // the worker's descendants: this application's executor, and possibly one of an earlier application still exiting
        assertFalse(killed.get().isEmpty(), "worker-1 had an executor to kill");
        String afterKill = run.output().substring(run.output().indexOf("\nevaluate: "));
        assertTrue(afterKill.contains("Lost executor"), "the driver lost the executor during evaluate: " + log);
        assertTrue(run.output().contains("evaluate: " + n * 2 + " runs (2 configs) = " + n * 2 + " predictions + 0 errors"), log);
        SparkSession spark = Fixture.session("local[1]");
        try {
            Dataset<Row> predictions = spark.read().parquet(out.resolve("predictions").toString());
            assertEquals(n * 2, predictions.count());
            assertEquals(n * 2, predictions.select("question_id", "config").distinct().count(), "no duplicate row");
            assertEquals(0, spark.read().parquet(out.resolve("errors").toString()).count());
        } finally {
            spark.stop();
        }
    }

    /**
     * Workers offering fake GPUs and gpu-cluster.properties' resource settings (one GPU per executor and task, its
     * {@link GpuCheckPlugin}): each executor holds its own address and, with the CPU libtorch, stops at its start naming
     * that address, before any task; the driver prints why and, when twice as many executors as asked for have stopped
     * and none passed, ends the application; no sample runs; the job fails.
     */
    @Test
    void gpuExecutorsGetDistinctAddressesAndACpuLibtorchStopsEachAtItsStart(StandaloneCluster cluster, @TempDir Path tmp) throws Exception {
        Path synth = SyntheticBenchmark.ensureEvalSet(tmp.resolve("synth"), 2, 5);
        Path out = tmp.resolve("out");
        int executors = StandaloneCluster.WORKERS * StandaloneCluster.WORKER_GPUS;
        // the profile's GPU settings as they are; its cores and memory scaled to the test machine
        List<String> options = List.of("--conf", "spark.executor.cores=1", "--conf", "spark.task.cpus=1", "--conf", "spark.executor.memory=1g",
                "--conf", "spark.executor.memoryOverhead=512m", "--conf", "spark.driver.memory=1g", "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.cores.max=" + executors);
        Submission run = cluster.submit(tmp, options, List.of("pipeline", "--questions", synth.resolve("eval/benchmarks.jsonl").toString(),
                "--images", synth.resolve("images").toString(), "--out", out.toString(), "--configs", "baseline",
                "--partitions", String.valueOf(executors)), JOB_TIMEOUT, line -> {});
        String log = StandaloneCluster.tail(run.output());
        assertNotEquals(0, run.exitCode(), log);
        assertTrue(Pattern.compile("Lost executor \\d+ .*: Unable to create executor due to executor \\d+ stops at its start: cuda:\\d "
                + CUDA).matcher(run.output()).find(), "the driver says why: " + log);
        assertTrue(run.output().contains("executors stopped at their start and none passed"), "the driver ends the application: " + log);
        assertFalse(Pattern.compile("extract: \\d+ inputs").matcher(run.output()).find(), "no sample was counted: " + log);
        if (Files.exists(out.resolve("samples"))) {
            try (Stream<Path> s = Files.walk(out.resolve("samples"))) {
                assertFalse(s.anyMatch(p -> p.toString().endsWith(".parquet")), "no sample was written");
            }
        }
        Matcher app = Pattern.compile("app-\\d{14}-\\d{4}").matcher(run.output());
        assertTrue(app.find(), log);
        // every executor the workers started (the master starts new ones for those that stop): the address its worker
        // gave it, and its stop at its start naming that address; none ran a task
        Map<String, String> addressByExecutor = new TreeMap<>();
        for (int w = 1; w <= StandaloneCluster.WORKERS; w++) {
            Path appDir = cluster.dir().resolve("worker-" + w).resolve(app.group());
            if (!Files.isDirectory(appDir)) {
                continue;
            }
            try (Stream<Path> s = Files.list(appDir)) {
                for (Path executor : s.filter(Files::isDirectory).toList()) {
                    String name = "worker-" + w + "/" + executor.getFileName();
                    String stderr = Files.readString(executor.resolve("stderr"));
                    Matcher assigned = Pattern.compile("gpu -> \\[name: gpu, addresses: (\\d+)]").matcher(stderr);
                    if (!assigned.find()) {
                        continue; // stopped by the job's end before it read its resources
                    }
                    addressByExecutor.put(name, assigned.group(1));
                    assertTrue(stderr.contains("stops at its start: cuda:" + assigned.group(1) + " " + CUDA), name + ": " + stderr);
                    assertFalse(stderr.contains("Running task"), name + " ran no task: " + stderr);
                }
            }
        }
        assertTrue(addressByExecutor.size() >= executors, "executors: " + addressByExecutor);
        assertEquals(Set.of("0", "1", "2", "3"), new TreeSet<>(addressByExecutor.values()), "one address each: " + addressByExecutor);
    }

    /** (question_id, config, answer) of every prediction, sorted. */
    private static List<String> answers(SparkSession spark, String out) {
        List<String> rows = new ArrayList<>();
        for (Row r : spark.read().parquet(out + "/predictions").select("question_id", "config", "answer").collectAsList()) {
            rows.add(r.toString());
        }
        rows.sort(null);
        return rows;
    }
}
