package sinkscope.cli;

/** A mistake on the command line found by a command itself (a conflicting or missing flag, a bad value): exit code 2, no stack trace. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
