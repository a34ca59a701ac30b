package sinkscope.data;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;

/**
 * The one seam between the project and its storage: a location given by a user (a local path, a {@code file:} URI,
 * or a URI of any scheme the class path's Hadoop has: {@code hdfs}, {@code s3a}, {@code gs}, {@code abfs}, ...)
 * becomes a {@link Path}, and every reader and writer goes on using {@link java.nio.file.Files} on it.
 *
 * <p>Contract: a local path or {@code file:} URI gives the JDK's own path (behaviour unchanged, symbolic-link
 * checks included); any other scheme gives a {@link HadoopPath}, whose {@code Files} operations go through Hadoop's
 * {@link org.apache.hadoop.fs.FileSystem} for that scheme and authority, configured by {@link #configure} (the
 * driver's and executors' Hadoop configuration; a plain {@code new Configuration()} until then). {@link #absolute}
 * makes a location absolute at the driver, so executors, whose working directory differs, read the same file.
 */
public final class Storage {
    private Storage() {}

    /** {@code scheme:}, at least two characters (so that a Windows drive letter is not a scheme). */
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.\\-]+:.*");

    private static volatile Configuration conf;
    private static final Configuration DEFAULT = new Configuration();

    /** Sets the Hadoop configuration every non-{@code file} location uses from now on in this JVM. */
    public static void configure(Configuration configuration) {
        conf = configuration;
    }

    /** Whether {@link #configure} was called in this JVM. */
    public static boolean configured() {
        return conf != null;
    }

    /** The Hadoop configuration set by {@link #configure}, or a default one. */
    public static Configuration conf() {
        Configuration c = conf;
        return c != null ? c : DEFAULT;
    }

    /** Whether {@code location} is a URI with a scheme (other than a bare local path). */
    public static boolean isUri(String location) {
        return location != null && SCHEME.matcher(location).matches();
    }

    /** Whether {@code location} is on the local file system (a path or a {@code file:} URI). */
    public static boolean isLocal(String location) {
        return !isUri(location) || location.regionMatches(true, 0, "file:", 0, 5);
    }

    /**
     * The path of {@code location}: the JDK's for local paths and {@code file:} URIs, a {@link HadoopPath} for other
     * schemes. A malformed URI is an {@link IllegalArgumentException} naming it.
     */
    public static Path path(String location) {
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("empty path");
        }
        if (!isUri(location)) {
            return Path.of(location);
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URI: " + location + " (" + e.getMessage() + ")", e);
        }
        if (uri.getScheme().equalsIgnoreCase("file")) {
            return Path.of(uri.getPath());
        }
        return HadoopFileSystemProvider.INSTANCE.getPath(uri);
    }

    /**
     * {@code location} made absolute against this JVM's working directory (a local path, normalized) or as given (a
     * URI); null stays null. The driver calls this on every path it hands to tasks.
     */
    public static String absolute(String location) {
        if (location == null) {
            return null;
        }
        if (isUri(location)) {
            return location;
        }
        return Path.of(location).toAbsolutePath().normalize().toString();
    }
}
