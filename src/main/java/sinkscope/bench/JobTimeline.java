package sinkscope.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;

/**
 * Where a pipeline run's wall time goes, from Spark's listener events: per Spark job its start (seconds after
 * {@link #start}), duration, tasks, busy task time (sum of task durations) and idle slot time
 * ({@code duration * slots - busy}), named by the job description ({@link SparkContext#setJobDescription}) or
 * else the short call site; the time between jobs is the driver's own work (planning, reading inputs, commits
 * after the last task). Printed by {@code bench-pipeline --timeline}.
 */
final class JobTimeline extends SparkListener {
    private record Job(int id, String name, long start, long[] end, List<Long> taskMillis) {}

    private final Map<Integer, Job> jobs = new LinkedHashMap<>();
    private final Map<Integer, Integer> jobOfStage = new LinkedHashMap<>();
    private final Map<Long, String> queries = new LinkedHashMap<>();
    private final long start = System.currentTimeMillis();
    private long stop = Long.MAX_VALUE;

    /** Registers a timeline on {@code sc}, starting now. */
    static JobTimeline start(SparkContext sc) {
        JobTimeline t = new JobTimeline();
        sc.addSparkListener(t);
        return t;
    }

    /** Jobs that start from now on are not part of the run. */
    synchronized void stop() {
        stop = System.currentTimeMillis();
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
        if (e.time() > stop) {
            return;
        }
        String name = name(e);
        jobs.put(e.jobId(), new Job(e.jobId(), name, e.time(), new long[] {-1}, new ArrayList<>()));
        for (Object stage : scala.jdk.javaapi.CollectionConverters.asJava(e.stageIds())) {
            jobOfStage.put((Integer) stage, e.jobId());
        }
    }

    /**
     * The job description, else the first project frame of the call site: of the SQL query the job belongs to,
     * else of the job's result stage, else the stage's name.
     */
    private String name(SparkListenerJobStart e) {
        Properties p = e.properties() == null ? new Properties() : e.properties();
        String description = p.getProperty("spark.job.description");
        if (description != null) {
            return description;
        }
        String execution = p.getProperty("spark.sql.execution.id");
        String query = execution == null ? null : queries.get(Long.parseLong(execution));
        StageInfo result = null;
        for (StageInfo info : scala.jdk.javaapi.CollectionConverters.asJava(e.stageInfos())) {
            if (result == null || info.stageId() > result.stageId()) {
                result = info;
            }
        }
        String site = result == null ? null : frame(result.details());
        return query != null ? query : site != null ? site : result != null ? result.name() : "?";
    }

    /** {@code Class.method:line} of the first {@code sinkscope} frame outside {@code OutputRoot}, or null. */
    private static String frame(String stack) {
        for (String frame : stack.split("\n")) {
            if (frame.contains("sinkscope.") && !frame.contains("OutputRoot") && !frame.contains("bench.")) {
                return frame.trim().replaceFirst("\\(.*:", ":").replaceFirst("\\)$", "").replaceFirst("^sinkscope\\.spark\\.", "");
            }
        }
        return null;
    }

    @Override
    public synchronized void onOtherEvent(SparkListenerEvent e) {
        if (e instanceof SparkListenerSQLExecutionStart start) {
            String site = frame(start.details());
            if (site != null) {
                queries.put(start.executionId(), site);
            }
        }
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
        Job j = jobs.get(e.jobId());
        if (j != null) {
            j.end[0] = e.time();
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
        Integer job = jobOfStage.get(e.stageId());
        if (job != null && e.taskInfo() != null) {
            jobs.get(job).taskMillis.add(e.taskInfo().duration());
        }
    }

    /** Waits for the listener bus to deliver every event so far, removes the listener and prints the table. */
    void print(SparkContext sc, int slots, double wallSeconds, double modelSeconds, PrintStream out) {
        try {
            sc.listenerBus().waitUntilEmpty();
        } catch (TimeoutException e) {
            out.println("timeline: listener bus did not drain: " + e.getMessage());
        }
        sc.removeSparkListener(this);
        synchronized (this) {
            out.printf(Locale.ROOT, "  %-34s %7s %7s %5s %7s %7s %7s%n", "job", "start", "dur", "tasks", "busy", "idle", "gap");
            long previousEnd = start;
            double inJobs = 0;
            double busyAll = 0;
            for (Job j : jobs.values()) {
                long end = j.end[0] < 0 ? j.start : j.end[0];
                double busy = j.taskMillis.stream().mapToLong(Long::longValue).sum() / 1e3;
                double dur = (end - j.start) / 1e3;
                inJobs += dur;
                busyAll += busy;
                out.printf(Locale.ROOT, "  %-34s %7.2f %7.3f %5d %7.3f %7.3f %7.3f%n", j.id + " " + j.name,
                        (j.start - start) / 1e3, dur, j.taskMillis.size(), busy, dur * slots - busy, (j.start - previousEnd) / 1e3);
                previousEnd = Math.max(previousEnd, end);
            }
            out.printf(Locale.ROOT, "  %d jobs: %.2f s in jobs, %.2f s between jobs, task time %.2f s, model time %.2f s, wall %.2f s%n",
                    jobs.size(), inJobs, wallSeconds - inJobs, busyAll, modelSeconds, wallSeconds);
        }
    }
}
