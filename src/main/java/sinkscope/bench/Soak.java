package sinkscope.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import sinkscope.spark.ExtractOptions;
import sinkscope.spark.SampleException;
import sinkscope.spark.SampleInput;
import sinkscope.spark.SampleRunner;

/**
 * Native-memory soak of the extract path (or, {@link #runGeneration}, of greedy generation): {@code n} calls of {@link SampleRunner#extract} in one JVM on one loaded
 * model, cycling through the images, with the process's resident set size ({@code VmRSS} of
 * {@code /proc/self/status}) read after each sample. The {@code n} measured samples follow {@code warmup} unmeasured
 * ones: outside the Java heap a fresh JVM's RSS climbs for a few thousand samples and then stays flat (tiny model, heap
 * pinned at 2 GiB: 2441 MiB after 800 samples, 2473 at 3200, 2478 from 6400 to 8000) while the JIT and malloc arenas
 * fill up; a leak keeps climbing. Reported:
 * <ul>
 *   <li>{@code rss_growth} = {@link Figures#tenthGrowth}: mean RSS over the last tenth of the samples divided by the
 *       mean over the first tenth, minus 1 (target under 0.05 at n = 2000 on the tiny model);</li>
 *   <li>{@code rss_first_mb}, {@code rss_last_mb}: those two means in MiB;</li>
 *   <li>{@code heap_first_mb}, {@code heap_last_mb}: the same means of the committed Java heap, part of the RSS (the
 *       JVM grows its heap lazily up to {@code -Xmx}: run with {@code -Xms} = {@code -Xmx} to see native memory
 *       alone);</li>
 *   <li>{@code native_growth}: the same growth of RSS minus the committed Java heap (G1 keeps enlarging a heap of
 *       the default {@code -Xmx8g} in steps of ~100 MiB for thousands of samples, and RSS follows each step);</li>
 *   <li>{@code live_arrays_first}, {@code live_arrays_last}: NDArrays alive under the model's manager after the first
 *       and after the last sample (flat unless a sample leaks arrays into the model's scope);</li>
 *   <li>{@code samples_per_s}: samples over the wall time of the loop.</li>
 * </ul>
 * A failing sample ends the soak: every image must be a valid input.
 */
public final class Soak {
    /** The question every soak sample asks. */
    public static final String QUESTION = "Is there a red circle in the image?";

    /** What a soak measured: RSS in MiB after each sample, live arrays after the first and last, wall seconds. */
    public record Result(double[] rssMb, double[] heapMb, int liveArraysFirst, int liveArraysLast, double seconds) {
        public double growth() {
            return Figures.tenthGrowth(rssMb);
        }

        /** {@link Figures#tenthGrowth} of RSS minus the committed Java heap: the process's memory outside the heap. */
        public double nativeGrowth() {
            double[] outside = new double[rssMb.length];
            for (int i = 0; i < outside.length; i++) {
                outside[i] = rssMb[i] - heapMb[i];
            }
            return Figures.tenthGrowth(outside);
        }

        public double firstMb() {
            return mean(rssMb, 0, Figures.tenth(rssMb.length));
        }

        public double lastMb() {
            return mean(rssMb, rssMb.length - Figures.tenth(rssMb.length), rssMb.length);
        }

        public double samplesPerSecond() {
            return rssMb.length / seconds;
        }

        /** The figures as {@code name: value} lines. */
        public void print(PrintStream out) {
            out.printf(Locale.ROOT, "rss_growth: %.4f%n", growth());
            out.printf(Locale.ROOT, "rss_first_mb: %.1f%n", firstMb());
            out.printf(Locale.ROOT, "rss_last_mb: %.1f%n", lastMb());
            int k = Figures.tenth(heapMb.length);
            out.printf(Locale.ROOT, "heap_first_mb: %.1f%n", mean(heapMb, 0, k));
            out.printf(Locale.ROOT, "heap_last_mb: %.1f%n", mean(heapMb, heapMb.length - k, heapMb.length));
            out.printf(Locale.ROOT, "native_growth: %.4f%n", nativeGrowth());
            out.printf(Locale.ROOT, "live_arrays_first: %d%n", liveArraysFirst);
            out.printf(Locale.ROOT, "live_arrays_last: %d%n", liveArraysLast);
            out.printf(Locale.ROOT, "samples_per_s: %.1f%n", samplesPerSecond());
        }
    }

    private static double mean(double[] v, int from, int to) {
        return Arrays.stream(v, from, to).average().orElseThrow();
    }

    private Soak() {}

    /**
     * Runs {@code warmup} unmeasured and then {@code n} measured extract passes over {@code images} in turn (each with
     * {@link #QUESTION}); {@code liveArrays} counts the model's live NDArrays; {@code log} gets a progress line every
     * tenth.
     */
    public static Result run(SampleRunner runner, List<Path> images, int warmup, int n, ExtractOptions options,
            IntSupplier liveArrays, PrintStream log) {
        return run(i -> extract(runner, images, i, options), images, warmup, n, liveArrays, log);
    }

    /**
     * The same soak over the generation path: each sample is {@link SampleRunner#predict} with the baseline config,
     * a greedy generation of the runner's {@code max_new_tokens} (the random-weight bundled model never says EOS, so
     * every sample generates all of them): a KV cache filled and freed per sample.
     */
    public static Result runGeneration(SampleRunner runner, List<Path> images, int warmup, int n, IntSupplier liveArrays, PrintStream log) {
        sinkscope.spark.EvalConfig baseline = sinkscope.spark.EvalConfig.parse("baseline");
        return run(i -> {
            Path image = images.get(i % images.size());
            try {
                runner.predict(new SampleInput("soak-" + i, null, image.toString(), null, QUESTION, null, null, null, null), baseline, List.of());
            } catch (SampleException e) {
                throw new IllegalStateException("soak: sample " + i + " (" + image + ") failed at " + e.stage() + ": " + e.reason(), e);
            }
        }, images, warmup, n, liveArrays, log);
    }

    private static Result run(java.util.function.IntConsumer pass, List<Path> images, int warmup, int n, IntSupplier liveArrays, PrintStream log) {
        if (n < 1 || warmup < 0) {
            throw new IllegalArgumentException("--samples must be at least 1 and --warmup at least 0, got " + n + " and " + warmup);
        }
        for (int i = 0; i < warmup; i++) {
            pass.accept(i);
        }
        if (warmup > 0) {
            log.printf(Locale.ROOT, "soak: %d warm-up samples, rss %.1f MiB%n", warmup, rssKb() / 1024.0);
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException("soak: no images");
        }
        double[] rss = new double[n];
        double[] heap = new double[n];
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        int liveFirst = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pass.accept(warmup + i);
            rss[i] = rssKb() / 1024.0;
            heap[i] = memory.getHeapMemoryUsage().getCommitted() / (1024.0 * 1024.0);
            if (i == 0) {
                liveFirst = liveArrays.getAsInt();
            }
            if ((i + 1) % Figures.tenth(n) == 0) {
                log.printf(Locale.ROOT, "soak: %d/%d samples, rss %.1f MiB (Java heap committed %.1f MiB)%n", i + 1, n, rss[i], heap[i]);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(rss, heap, liveFirst, liveArrays.getAsInt(), seconds);
    }

    private static void extract(SampleRunner runner, List<Path> images, int i, ExtractOptions options) {
        Path image = images.get(i % images.size());
        SampleInput sample = new SampleInput("soak-" + i, null, image.toString(), null, QUESTION, null, null, null, null);
        try {
            runner.extract(sample, options);
        } catch (SampleException e) {
            throw new IllegalStateException("soak: sample " + i + " (" + image + ") failed at " + e.stage() + ": " + e.reason(), e);
        }
    }

    /** The image files ({@code .png}, {@code .jpg}, {@code .jpeg}) directly in {@code dir}, sorted by name. */
    public static List<Path> images(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> out = files.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g)"))
                    .sorted().toList();
            if (out.isEmpty()) {
                throw new IllegalArgumentException(dir + ": no .png or .jpg images");
            }
            return out;
        }
    }

    /** This process's resident set size in KiB, from the {@code VmRSS} line of {@code /proc/self/status}. */
    public static long rssKb() {
        try {
            return parseVmRssKb(Files.readAllLines(Path.of("/proc/self/status")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status (the soak needs Linux)", e);
        }
    }

    /** The {@code VmRSS:   12345 kB} value of a {@code /proc/PID/status} listing. */
    static long parseVmRssKb(List<String> status) {
        for (String line : status) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                if (parts.length != 2 || !parts[1].equals("kB")) {
                    throw new IllegalStateException("/proc/self/status: unexpected VmRSS line '" + line + "'");
                }
                return Long.parseLong(parts[0]);
            }
        }
        throw new IllegalStateException("/proc/self/status: no VmRSS line");
    }
}
