package sinkscope.spark;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The per-job progress line, printed from the driver: {@code extract: 120/400 samples (3.2/s)}.
 *
 * <p>Tasks add to a {@link LongAccumulator} per finished sample. Spark merges a task's additions into the driver's
 * value when the task succeeds (a failed attempt's are dropped, so retries do not count twice); while a task runs,
 * its executor's heartbeats ({@code spark.executor.heartbeatInterval}, 10 s by default) carry the task's partial
 * count, which a listener keeps per running task until the task ends. The line shows
 * {@code merged + sum of the running tasks' partial counts} (at most the total), so a long partition reports its
 * samples as they finish, not all at once at its end. A daemon thread prints every {@code intervalMs} when the
 * count changed; {@link #close()} prints the final line.
 */
public final class Progress implements AutoCloseable {
    private final String job;
    private final long total;
    private final LongAccumulator done;
    private final PrintStream out;
    private final SparkSession spark;
    private final long start = System.nanoTime();
    private final Map<Long, Long> running = new ConcurrentHashMap<>();
    private final SparkListener listener = new SparkListener() {
        @Override
        public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
            for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task : CollectionConverters.asJava(update.accumUpdates())) {
                for (AccumulableInfo info : CollectionConverters.asJava(task._4())) {
                    if (info.id() == done.id() && info.update().isDefined() && info.update().get() instanceof Long n) {
                        running.put((Long) task._1(), n);
                    }
                }
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            running.remove(end.taskInfo().taskId());
        }
    };
    private final Thread poller;
    private long printed = -1;

    public Progress(SparkSession spark, String job, long total, long intervalMs, PrintStream out) {
        this.spark = spark;
        this.job = job;
        this.total = total;
        this.out = out;
        this.done = spark.sparkContext().longAccumulator(job + " samples");
        spark.sparkContext().addSparkListener(listener);
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

    /** Samples done: merged from finished tasks plus the running tasks' last reported counts, at most the total. */
    long samplesDone() {
        long n = done.value();
        for (long partial : running.values()) {
            n += partial;
        }
        return Math.min(n, Math.max(total, done.value()));
    }

    private synchronized void print(boolean always) {
        long n = always ? done.value() : samplesDone();
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
        spark.sparkContext().removeSparkListener(listener);
        print(true);
    }
}
