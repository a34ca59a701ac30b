package sinkscope.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import sinkscope.data.SyntheticBenchmark;
import sinkscope.spark.ErrorBudget;
import sinkscope.spark.EvalConfig;
import sinkscope.spark.ExtractOptions;
import sinkscope.spark.OutputRoot;
import sinkscope.spark.Pipeline;
import sinkscope.spark.RunnerSpec;
import sinkscope.spark.SampleSource;
import sinkscope.spark.TokensKeep;

/**
 * The tables at scale: one {@code pipeline} run (extract, sinkstats, evaluate with baseline and var) over {@code n}
 * synthetic POPE samples on {@code local[2]} with the model-free {@link ShapeRunnerFactory}, so that what is measured is
 * the pipeline's own cost and the Parquet it writes. Figures:
 * <ul>
 *   <li>{@code samples_per_s}: the samples processed over the run's wall time (input read to the last table written);</li>
 *   <li>per table: rows, bytes (every file of its folder, as {@code du -sb}), bytes per processed sample, bytes per row;</li>
 *   <li>memory of the JVM (in local mode the driver and the executor are one JVM), sampled every 200 ms: the peak heap in
 *   use (garbage included), the peak live heap (in use right after a full collection, {@code System.gc()} every 5 s, about 1-2% of the run's time)
 *   and the peak resident set ({@code VmRSS}) over the first and the last tenth of the run's wall time; a flat live heap
 *   means the run holds no per-sample state;</li>
 *   <li>projection to LLaVA-1.5-7B (33 hidden states x {@value #LLAVA_TOKENS} tokens per sample, 32 layers x 32 heads x
 *   2 queries of head rows): rows per million images, bytes per million from the measured bytes per token and head row,
 *   and the pipeline's hours per million images on these 2 cores from the measured time per token row (model time
 *   excluded: add the model's own seconds per sample, {@code bench-forward}).</li>
 * </ul>
 */
public final class ScaleBench {
    static final int LLAVA_LAYERS = 33;
    static final int LLAVA_TOKENS = 620;
    static final int LLAVA_HEAD_ROWS = 32 * 32 * 2;
    /** Every this many 200 ms samples (5 s) the sampler runs a full collection and records the live heap. */
    static final int LIVE_EVERY = 25;

    private final int samples;
    private final Path work;
    private final String master;
    private final PrintStream log;

    public ScaleBench(int samples, Path work, String master, PrintStream log) {
        this.samples = samples;
        this.work = work;
        this.master = master;
        this.log = log;
    }

    /** Peak heap in use, resident set and live heap seen by the sampler in a window of the run. */
    private record Window(long heap, long rss, long live) {}

    public void run() throws IOException {
        Path synth = work.resolve("synth");
        long t0 = System.nanoTime();
        if (!Files.isRegularFile(synth.resolve("eval/questions.jsonl"))) {
            // about 14 evaluation questions per evaluation image, half the images for evaluation; small images: the runner reads their bytes, it does not decode them
            SyntheticBenchmark.generate(synth, samples / 6 + 2, 1, 112, 112, SyntheticBenchmark.DEFAULT_TRAIN_FRACTION);
        }
        log.printf(Locale.ROOT, "bench-scale: synthetic set ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        RunnerSpec spec = new RunnerSpec(ShapeRunnerFactory.class.getName(), null, "auto", 1, List.of(), 20.0, "llava_hf", 8);
        Path out = work.resolve("out");
        Pipeline.Settings s = new Pipeline.Settings(synth.resolve("eval/questions.jsonl"), null, SampleSource.Columns.defaults(),
                synth.resolve("images").toString(), out.toString(), false, samples, 0, spec,
                new ExtractOptions(List.of(1), ExtractOptions.DEFAULT_DIM_FLOOR, 0.2, 0.5, TokensKeep.ALL),
                List.of(EvalConfig.parse("baseline"), EvalConfig.parse("var")), null, 2, 16);
        SparkSession spark = Pipeline.session("local", master, "sinkscope bench-scale");
        List<long[]> memory = new ArrayList<>(); // {nanos, heap, rss, live heap}
        Thread sampler = new Thread(() -> {
            for (long tick = 0; !Thread.currentThread().isInterrupted(); tick++) {
                long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                long live = -1;
                if (tick % LIVE_EVERY == 0) {
                    System.gc(); // a full collection: what is left in use is what the run holds
                    live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                }
                synchronized (memory) {
                    memory.add(new long[] {System.nanoTime(), heap, rss(), live});
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-scale-memory");
        try {
            sampler.setDaemon(true);
            long start = System.nanoTime();
            sampler.start();
            Pipeline.run(spark, s, new ErrorBudget(ErrorBudget.DEFAULT), new PrintStream(OutputStream.nullOutputStream()));
            long end = System.nanoTime();
            sampler.interrupt();
            double wall = (end - start) / 1e9;
            OutputRoot root = new OutputRoot(spark, out.toString(), false);
            long processed = root.rows("samples");
            long per = Math.max(1, processed);
            if (processed < samples) {
                log.printf(Locale.ROOT, "bench-scale: the synthetic set has only %d of the %d samples asked; figures per processed sample%n",
                        processed, samples);
            }
            log.printf(Locale.ROOT, "bench-scale: %d samples (%d processed) on %s, ShapeRunner (%d layers x %d image tokens, %d heads)%n",
                    samples, processed, spark.sparkContext().master(), ShapeRunnerFactory.LAYERS, ShapeRunnerFactory.GRID * ShapeRunnerFactory.GRID,
                    ShapeRunnerFactory.HEADS);
            log.printf(Locale.ROOT, "  wall %.1f s, samples_per_s %.1f%n", wall, processed / wall);
            log.printf(Locale.ROOT, "  %-22s %12s %14s %14s %10s%n", "table", "rows", "bytes", "bytes/sample", "bytes/row");
            long tokenRows = 0;
            long tokenBytes = 0;
            long headRows = 0;
            long headBytes = 0;
            long otherBytes = 0;
            for (String table : List.of("tokens", "heads", "dims", "attention", "samples", "predictions", "grounding", "errors",
                    "sink_dimensions", "sink_tokens", "head_profile", "metrics", "benchmark_metrics", "significance")) {
                long bytes = bytes(out.resolve(table));
                long rows = root.rows(table);
                log.printf(Locale.ROOT, "  %-22s %12d %14d %14.1f %10.2f%n", table, rows, bytes, (double) bytes / per,
                        rows == 0 ? 0.0 : (double) bytes / rows);
                switch (table) {
                    case "tokens" -> {
                        tokenRows = rows;
                        tokenBytes = bytes;
                    }
                    case "heads" -> {
                        headRows = rows;
                        headBytes = bytes;
                    }
                    default -> otherBytes += bytes;
                }
            }
            Window first = window(memory, start, start + (end - start) / 10, true);
            Window last = window(memory, end - (end - start) / 10, end, false);
            log.printf(Locale.ROOT, "  memory (driver = executor JVM in local mode, -Xmx %d MiB): first tenth heap %d MiB live %d MiB rss %d MiB; "
                    + "last tenth heap %d MiB live %d MiB rss %d MiB%n", Runtime.getRuntime().maxMemory() >> 20, first.heap() >> 20,
                    first.live() >> 20, first.rss() >> 20, last.heap() >> 20, last.live() >> 20, last.rss() >> 20);
            double perTokenRow = (double) tokenBytes / Math.max(1, tokenRows);
            double perHeadRow = (double) headBytes / Math.max(1, headRows);
            long llavaTokenRows = (long) LLAVA_LAYERS * LLAVA_TOKENS;
            double bytesPerMillion = 1e6 * (llavaTokenRows * perTokenRow + LLAVA_HEAD_ROWS * perHeadRow + (double) otherBytes / per);
            double secondsPerRow = wall / Math.max(1, tokenRows + headRows);
            double hours = 1e6 * (llavaTokenRows + LLAVA_HEAD_ROWS) * secondsPerRow / 3600;
            log.printf(Locale.ROOT, "  LLaVA-1.5-7B projection per million images: %.3g token rows (%d per sample), %.3g head rows, "
                            + "%.0f GB (%.2f B per token row, %.2f B per head row, other tables as measured), %.0f pipeline hours on %s "
                            + "(%.3g s per row; model time excluded)%n",
                    1e6 * llavaTokenRows, llavaTokenRows, 1e6 * LLAVA_HEAD_ROWS, bytesPerMillion / 1e9, perTokenRow, perHeadRow, hours,
                    spark.sparkContext().master(), secondsPerRow);
            log.printf(Locale.ROOT, "  with --tokens-keep image (576 of %d tokens): %.0f GB per million images%n", LLAVA_TOKENS,
                    1e6 * (LLAVA_LAYERS * 576 * perTokenRow + LLAVA_HEAD_ROWS * perHeadRow + (double) otherBytes / per) / 1e9);
        } finally {
            sampler.interrupt();
            spark.stop();
        }
    }

    /**
     * The peaks in [from, to]; the live heap from the full collections in it, or, where none fell in it, from the
     * nearest one ({@code first}: the earliest after {@code from}; else the latest before {@code to}).
     */
    private static Window window(List<long[]> memory, long from, long to, boolean first) {
        long heap = 0;
        long rss = 0;
        long live = -1;
        long nearest = -1;
        synchronized (memory) {
            for (long[] m : memory) {
                if (m[0] >= from && m[0] <= to) {
                    heap = Math.max(heap, m[1]);
                    rss = Math.max(rss, m[2]);
                    live = Math.max(live, m[3]);
                }
                if (m[3] >= 0 && (first ? m[0] >= from && nearest < 0 : m[0] <= to)) {
                    nearest = m[3];
                }
            }
        }
        return new Window(heap, rss, live >= 0 ? live : Math.max(nearest, 0));
    }

    /** VmRSS of this process in bytes; 0 where /proc is not there. */
    static long rss() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) << 10;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    static long bytes(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            long n = 0;
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                n += Files.size(p);
            }
            return n;
        }
    }
}
