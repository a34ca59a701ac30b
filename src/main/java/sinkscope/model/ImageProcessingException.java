package sinkscope.model;

/** An image the model's processor cannot take (e.g. outside Qwen2-VL's pixel or aspect-ratio limits); in jobs, the sample's image error. */
public final class ImageProcessingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ImageProcessingException(String message) {
        super(message);
    }
}
