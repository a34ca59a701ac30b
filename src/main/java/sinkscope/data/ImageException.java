package sinkscope.data;

/** An image that cannot be used: unreadable, corrupt, too large, or outside its root. Names the source and reason. */
public class ImageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code "<source>: <reason>"}. */
    public ImageException(String source, String reason) {
        super(source + ": " + reason);
    }

    public ImageException(String source, String reason, Throwable cause) {
        super(source + ": " + reason, cause);
    }
}
