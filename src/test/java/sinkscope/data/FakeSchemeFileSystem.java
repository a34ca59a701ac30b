package sinkscope.data;

import java.net.URI;
import java.nio.file.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under the scheme {@code fakefs:} ({@code fakefs:///tmp/x} is {@code /tmp/x}): a non-{@code file}
 * Hadoop file system for tests of URI handling without a cluster. Registered for every Hadoop configuration of the test
 * JVM through {@code META-INF/services/org.apache.hadoop.fs.FileSystem}.
 */
public final class FakeSchemeFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "fakefs";

    /** {@code fakefs://} + the absolute local path. */
    public static String uri(Path local) {
        return SCHEME + "://" + local.toAbsolutePath().normalize();
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }
}
