package sinkscope.spark;

import java.io.PrintStream;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * The per-job progress line, printed from the driver: {@code extract: 120/400 samples (3.2/s)}.
 *
 * <p>Tasks add to a {@link LongAccumulator} per finished sample; Spark merges a task's additions when the task
 * succeeds (a failed attempt's are dropped, so retries do not count twice). A daemon thread polls it every
 * {@code intervalMs} and prints when it changed; {@link #close()} prints the final line.
 */
public final class Progress implements AutoCloseable {
    private final String job;
    private final long total;
    private final LongAccumulator done;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final Thread poller;
    private long printed = -1;

    public Progress(SparkSession spark, String job, long total, long intervalMs, PrintStream out) {
        this.job = job;
        this.total = total;
        this.out = out;
        this.done = spark.sparkContext().longAccumulator(job + " samples");
        this.poller = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(intervalMs);
                    print(false);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sinkscope-progress-" + job);
        poller.setDaemon(true);
        poller.start();
    }

    /** The accumulator tasks add one to per finished sample. */
    public LongAccumulator counter() {
        return done;
    }

    private synchronized void print(boolean always) {
        long n = done.value();
        if (n == printed && !always) {
            return;
        }
        printed = n;
        double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        out.println(String.format(Locale.ROOT, "%s: %d/%d samples (%.1f/s)", job, n, total, n / seconds));
    }

    @Override
    public void close() {
        poller.interrupt();
        print(true);
    }
}
