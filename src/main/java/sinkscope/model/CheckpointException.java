package sinkscope.model;

import java.nio.file.Path;

/**
 * A checkpoint, config, tokenizer or tensor file that cannot be used as it is. The message always names
 * the file and, where there is one, the tensor or field at fault.
 */
public class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code "<file>: <what>"}. */
    public static CheckpointException of(Path file, String what) {
        return new CheckpointException(file + ": " + what);
    }

    /** {@code "<file>: tensor '<name>': <what>"}. */
    public static CheckpointException tensor(Path file, String name, String what) {
        return new CheckpointException(file + ": tensor '" + name + "': " + what);
    }
}
