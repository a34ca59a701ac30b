package sinkscope.spark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * TEST HARNESS: one Spark standalone cluster per test JVM, a master and {@link #WORKERS} workers, each its own JVM on
 * 127.0.0.1, started by {@code jobs/local-cluster.sh} (the script a user runs; it assembles the SPARK_HOME of links to
 * the Maven class path) in a state folder {@code target/test-cluster-<pid>}. Each worker offers {@link #WORKER_CORES}
 * cores and {@link #WORKER_GPUS} fake {@code gpu} addresses through a discovery script (worker i: {@code 2i-2, 2i-1}),
 * which a job only sees when it asks for GPUs.
 *
 * <p>Stopped whatever happens: at the end of the test run (JUnit closes it from the root store, see
 * {@link ClusterExtension}), by a JVM shutdown hook, and by the script's watcher should this JVM be killed; stopping runs
 * {@code local-cluster.sh stop}, then kills every process the cluster ever had with its descendants
 * ({@link ProcessHandle#destroyForcibly}) and deletes the state folder with the workers' folders.
 *
 * <p>Jobs are submitted through {@code jobs/submit.sh} ({@code spark-submit --deploy-mode client}, the uber-jar), with
 * {@code SPARK_HOME} the assembled one and {@code SPARK_MASTER} this cluster.
 */
final class StandaloneCluster implements ExtensionContext.Store.CloseableResource {
    static final int WORKERS = 2;
    static final int WORKER_CORES = 2;
    static final int WORKER_GPUS = 2;

    /** What a submission printed and how it ended. */
    record Submission(int exitCode, String output) {}

    private final Path root = Path.of("").toAbsolutePath();
    private final Path dir;
    private final String masterUrl;
    private final Set<Long> pids = new TreeSet<>();
    private final Thread hook = new Thread(this::stop, "standalone-cluster-stop");
    private boolean stopped;

    private StandaloneCluster(Path dir) throws Exception {
        this.dir = dir;
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Path gpus = dir.resolve("fake-gpus.sh");
            Files.writeString(gpus, "#!/usr/bin/env bash\n# fake GPU addresses for the cluster tests: worker i offers 2i-2 and 2i-1\n"
                    + "i=${SINKSCOPE_WORKER_INDEX:-1}\necho \"{\\\"name\\\": \\\"gpu\\\", \\\"addresses\\\": [\\\"$((2*i-2))\\\", \\\"$((2*i-1))\\\"]}\"\n");
            gpus.toFile().setExecutable(true);
            long t0 = System.nanoTime();
            this.masterUrl = script(Duration.ofMinutes(3), "start").trim();
            System.out.printf("standalone cluster: %s up in %.1f s (%s)%n", masterUrl, (System.nanoTime() - t0) / 1e9, dir);
            if (!masterUrl.matches("spark://127\\.0\\.0\\.1:\\d+")) {
                throw new IllegalStateException("local-cluster.sh start printed no master URL: " + masterUrl);
            }
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    /** Builds the uber-jar when stale, then starts the cluster (the script's first run also assembles its SPARK_HOME). */
    static StandaloneCluster start() throws Exception {
        // the uber-jar's package build also writes target/classpath.txt, which the script assembles SPARK_HOME from
        SparkSubmitTest.uberJar();
        Path dir = Files.createDirectories(Path.of("target", "test-cluster-" + ProcessHandle.current().pid()).toAbsolutePath());
        return new StandaloneCluster(dir);
    }

    String masterUrl() {
        return masterUrl;
    }

    /** The state folder: logs/, spark-home/, worker-i/ (each executor's working directory is worker-i/app-id/executor-id/). */
    Path dir() {
        return dir;
    }

    /** Starts any worker (or master) that is not running, e.g. after {@link #killWorker}. */
    void ensureRunning() throws Exception {
        String url = script(Duration.ofMinutes(3), "start").trim();
        if (!url.equals(masterUrl)) {
            throw new IllegalStateException("the master changed: " + url + " (was " + masterUrl + ")");
        }
    }

    /** kill -9 of worker i (1-based) and of its executors (its child processes); returns the executors' pids. */
    List<Long> killWorker(int i) throws IOException {
        ProcessHandle worker = ProcessHandle.of(Long.parseLong(Files.readString(dir.resolve("worker-" + i + ".pid")).trim()))
                .orElseThrow(() -> new IllegalStateException("worker-" + i + " is not running"));
        List<ProcessHandle> children = worker.descendants().toList();
        worker.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        return children.stream().map(ProcessHandle::pid).toList();
    }

    /**
     * {@code SPARK_MASTER=<this cluster> jobs/submit.sh <submitOptions> -- <args>} run in {@code cwd} (the uber-jar
     * built first when stale); each output line also goes to {@code onLine}; killed with its process tree after
     * {@code timeout}. The output is kept in {@code cwd/submit.log}.
     */
    Submission submit(Path cwd, List<String> submitOptions, List<String> args, Duration timeout, Consumer<String> onLine) throws Exception {
        SparkSubmitTest.uberJar();
        ensureRunning();
        List<String> cmd = new ArrayList<>(List.of(root.resolve("jobs/submit.sh").toString()));
        cmd.addAll(submitOptions);
        cmd.add("--");
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", dir.resolve("spark-home").toString());
        env.put("SPARK_MASTER", masterUrl);
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.remove("PYTORCH_LIBRARY_PATH");
        env.put("SINKSCOPE_TORCH", "cpu");
        long t0 = System.nanoTime();
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter log = new PrintWriter(Files.newBufferedWriter(cwd.resolve("submit.log")), true)) {
                for (String line; (line = r.readLine()) != null; ) {
                    log.println(line);
                    synchronized (out) {
                        out.append(line).append('\n');
                    }
                    onLine.accept(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "submit-output");
        reader.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            reader.join(10_000);
            throw new AssertionError("jobs/submit.sh " + args + " did not finish within " + timeout + ":\n" + tail(out));
        }
        reader.join(10_000);
        System.out.printf("standalone cluster: submit.sh %s exited %d after %.1f s%n", args, p.exitValue(), (System.nanoTime() - t0) / 1e9);
        synchronized (out) {
            return new Submission(p.exitValue(), out.toString());
        }
    }

    /** The last lines of a long output, for assertion messages. */
    static String tail(CharSequence output) {
        String s = output.toString();
        return s.length() <= 20_000 ? s : "..." + s.substring(s.length() - 20_000);
    }

    /** jobs/local-cluster.sh with this cluster's settings; its stdout; fails with its output on a non-zero exit. */
    private String script(Duration timeout, String command) throws Exception {
        ProcessBuilder pb = script(command);
        Process p = pb.start();
        rememberPids();
        String output;
        boolean done = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        rememberPids();
        if (!done || p.exitValue() != 0) {
            throw new IllegalStateException("jobs/local-cluster.sh " + command + (done ? " exited " + p.exitValue() : " timed out") + ":\n" + output);
        }
        return output.lines().reduce((a, b) -> b).orElse("");
    }

    /** The script with this cluster's settings (state folder, workers, fake GPUs, this JVM as the one to watch). */
    private ProcessBuilder script(String command) {
        ProcessBuilder pb = new ProcessBuilder(root.resolve("jobs/local-cluster.sh").toString(), command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("SINKSCOPE_CLUSTER_DIR", dir.toString());
        env.put("SINKSCOPE_CLUSTER_WORKERS", String.valueOf(WORKERS));
        env.put("SINKSCOPE_WORKER_CORES", String.valueOf(WORKER_CORES));
        env.put("SINKSCOPE_WORKER_MEMORY", "4g");
        env.put("SINKSCOPE_CLUSTER_WATCH_PID", String.valueOf(ProcessHandle.current().pid()));
        env.put("SPARK_WORKER_OPTS", "-Dspark.worker.resource.gpu.amount=" + WORKER_GPUS
                + " -Dspark.worker.resource.gpu.discoveryScript=" + dir.resolve("fake-gpus.sh"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return pb;
    }

    /** Every pid file's process, so that {@link #stop} can kill it even when the script cannot. */
    private void rememberPids() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".pid")).toList()) {
                try {
                    pids.add(Long.parseLong(Files.readString(f).trim()));
                } catch (NumberFormatException | IOException e) {
                    // a pid file being written; the next look reads it
                }
            }
        }
    }

    /** local-cluster.sh stop, then every process the cluster had (and its descendants) killed, the state folder deleted. */
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            rememberPids();
            Process p = script("stop").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (Exception e) {
            // the forced stop below ends what the script did not
        }
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(h -> {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            });
        }
        Teardown.deleteAndUnhook(dir, hook);
    }

    @Override
    public void close() {
        stop();
    }
}
