package sinkscope.spark;

/**
 * A bad sample: the job records {@code (question_id, line, stage, reason)} in the {@code errors} table and
 * goes on. {@code stage} names where it failed ({@code image}, {@code prompt}, {@code model}, ...); {@code
 * reason} is a message naming the file or field. Anything else a runner throws fails the task (and is retried).
 */
public final class SampleException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String stage;
    private final String reason;

    public SampleException(String stage, String reason) {
        this(stage, reason, null);
    }

    public SampleException(String stage, String reason, Throwable cause) {
        super(stage + ": " + reason, cause);
        this.stage = stage;
        this.reason = reason;
    }

    public String stage() {
        return stage;
    }

    public String reason() {
        return reason;
    }
}
