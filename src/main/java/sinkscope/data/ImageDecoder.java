package sinkscope.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image bytes or files with ImageIO under limits checked before any pixel is decoded.
 *
 * <p>Order: the byte count against {@code maxBytes} (a file's size before it is read); then the format's reader
 * parses only the header and {@code width * height} is checked against {@code maxPixels}, so a decompression
 * bomb (a small file claiming a huge canvas) is refused without allocating its pixels; then the pixels are
 * decoded. Unknown formats, truncated or corrupt data (including a decoder warning, e.g. a JPEG that ends early,
 * which ImageIO would otherwise fill in with grey, and which PIL refuses by default) become an
 * {@link ImageException} naming the source and the reason. {@link #resolve} maps a dataset's relative image
 * path into its image root, refusing absolute paths, {@code ..} escapes and symbolic links leading outside.
 */
public final class ImageDecoder {
    /** 50 MiB. */
    public static final long DEFAULT_MAX_BYTES = 50L << 20;
    /** 40 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

    private final long maxBytes;
    private final long maxPixels;

    public ImageDecoder() {
        this(DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS);
    }

    public ImageDecoder(long maxBytes, long maxPixels) {
        if (maxBytes <= 0 || maxPixels <= 0) {
            throw new IllegalArgumentException("image limits must be positive: maxBytes " + maxBytes + ", maxPixels " + maxPixels);
        }
        this.maxBytes = maxBytes;
        this.maxPixels = maxPixels;
    }

    /** Decodes the image file {@code file}. */
    public BufferedImage decode(Path file) {
        String source = file.toString();
        long size;
        try {
            if (!Files.isRegularFile(file) && Files.exists(file)) {
                throw new ImageException(source, "not a regular file");
            }
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new ImageException(source, "no such file", e);
        } catch (IOException e) {
            throw new ImageException(source, "cannot read: " + e.getMessage(), e);
        }
        checkBytes(source, size);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ImageException(source, "cannot read: " + e.getMessage(), e);
        }
        return decode(bytes, source);
    }

    /** Decodes {@code bytes}; {@code source} (a file name, a table row) is named in every error. */
    public BufferedImage decode(byte[] bytes, String source) {
        checkBytes(source, bytes.length);
        if (bytes.length == 0) {
            throw new ImageException(source, "empty (0 bytes), not an image");
        }
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageException(source, "not an image in a format ImageIO reads (PNG, JPEG, GIF, BMP, TIFF, WBMP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    throw new ImageException(source, "header gives an empty canvas " + width + "x" + height);
                }
                long pixels = (long) width * height;
                if (pixels > maxPixels) {
                    throw new ImageException(source, width + "x" + height + " = " + pixels + " pixels exceeds the limit of " + maxPixels
                            + " (decompression bomb?); refused before decoding");
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
                BufferedImage img = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new ImageException(source, "truncated or corrupt " + reader.getFormatName() + " data: " + String.join("; ", warnings));
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (ImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageException(source, "truncated or corrupt image data, or an image type ImageIO cannot decode (e.g. CMYK JPEG): "
                    + describe(e), e);
        }
    }

    private void checkBytes(String source, long size) {
        if (size > maxBytes) {
            throw new ImageException(source, size + " bytes exceeds the limit of " + maxBytes + " bytes");
        }
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName() + ": " + e.getMessage());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append(" (caused by ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(')');
        }
        return sb.toString();
    }

    /**
     * {@code root/relative}, normalised, when it stays inside {@code root}: refuses an empty or absolute
     * {@code relative}, one whose {@code ..} leads outside, and one whose deepest existing part is a symbolic
     * link (or lies under one) resolving outside the real {@code root}.
     */
    public static Path resolve(Path root, String relative) {
        if (relative == null || relative.isBlank()) {
            throw new ImageException(String.valueOf(relative), "empty image path");
        }
        Path rel;
        try {
            rel = Path.of(relative);
        } catch (InvalidPathException e) {
            throw new ImageException(relative, "not a valid path: " + e.getMessage(), e);
        }
        if (rel.isAbsolute() || relative.startsWith("/") || relative.startsWith("\\")) {
            throw new ImageException(relative, "absolute image path refused: image paths must be relative to the image root " + root);
        }
        Path base = root.toAbsolutePath().normalize();
        Path p = base.resolve(rel).normalize();
        if (!p.startsWith(base)) {
            throw new ImageException(relative, "escapes the image root " + root + " (resolves to " + p + ")");
        }
        Path realBase;
        try {
            realBase = base.toRealPath();
        } catch (IOException e) {
            throw new ImageException(relative, "image root " + root + " does not exist or cannot be read: " + e.getMessage(), e);
        }
        Path existing = p;
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        Path real;
        try {
            real = existing.toRealPath();
        } catch (IOException e) {
            throw new ImageException(relative, "cannot resolve " + existing + ": " + e.getMessage(), e);
        }
        if (!real.startsWith(realBase)) {
            throw new ImageException(relative, "leads through a symbolic link to " + real + ", outside the image root " + root);
        }
        return p;
    }
}
