package sinkscope.data;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under the scheme {@code fakefs:} ({@code fakefs:///tmp/x} is {@code /tmp/x}): a non-{@code file}
 * Hadoop file system for tests of URI handling without a cluster. Registered for every Hadoop configuration of the test
 * JVM through {@code META-INF/services/org.apache.hadoop.fs.FileSystem}.
 */
public final class FakeSchemeFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "fakefs";

    /** {@code fakefs://} + the absolute local path. */
    public static String uri(java.nio.file.Path local) {
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

    /** Statuses without the local file system's lazily loaded permissions (which open a {@code File} from the URI). */
    @Override
    public FileStatus getFileStatus(Path p) throws IOException {
        return plain(super.getFileStatus(p));
    }

    @Override
    public FileStatus[] listStatus(Path p) throws IOException {
        FileStatus[] s = super.listStatus(p);
        for (int i = 0; i < s.length; i++) {
            s[i] = plain(s[i]);
        }
        return s;
    }

    private static FileStatus plain(FileStatus s) {
        return new FileStatus(s.getLen(), s.isDirectory(), s.getReplication(), s.getBlockSize(), s.getModificationTime(), s.getPath());
    }
}
