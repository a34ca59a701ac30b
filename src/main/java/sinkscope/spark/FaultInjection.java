package sinkscope.spark;

import org.apache.spark.TaskContext;

/**
 * A test-only fault hook: when the system property {@code sinkscope.fault} (a comma-separated list) names a
 * stage ({@code extract}, {@code evaluate}), the first attempt of that stage's partition 0 fails after its first sample, so tests can
 * check that the retried job neither loses nor duplicates rows. Unset in normal runs.
 */
public final class FaultInjection {
    public static final String PROPERTY = "sinkscope.fault";

    private FaultInjection() {}

    /** Throws when the hook is armed for {@code stage} and this is partition 0's first attempt. */
    static void maybeFail(String stage, int samplesDone) {
        if (samplesDone == 1 && java.util.List.of(System.getProperty(PROPERTY, "").split(",")).contains(stage)) {
            TaskContext task = TaskContext.get();
            if (task != null && task.partitionId() == 0 && task.attemptNumber() == 0) {
                throw new IllegalStateException("injected fault: " + stage + " partition 0, attempt 0");
            }
        }
    }
}
