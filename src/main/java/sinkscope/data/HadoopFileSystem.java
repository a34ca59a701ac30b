package sinkscope.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The JDK's view of one Hadoop file system: a scheme and an authority (e.g. {@code hdfs}, {@code namenode:8020}; the
 * authority may be null, then Hadoop's {@code fs.defaultFS} gives it), whose paths are {@link HadoopPath}s and whose
 * operations are {@link HadoopFileSystemProvider}'s over {@link org.apache.hadoop.fs.FileSystem#get}.
 */
final class HadoopFileSystem extends FileSystem {
    private final String scheme;
    private final String authority;

    HadoopFileSystem(String scheme, String authority) {
        this.scheme = scheme;
        this.authority = authority;
    }

    String scheme() {
        return scheme;
    }

    String authority() {
        return authority;
    }

    org.apache.hadoop.fs.FileSystem hadoop() throws IOException {
        return org.apache.hadoop.fs.FileSystem.get(URI.create(scheme + "://" + (authority == null ? "" : authority) + "/"), Storage.conf());
    }

    @Override
    public HadoopFileSystemProvider provider() {
        return HadoopFileSystemProvider.INSTANCE;
    }

    @Override
    public void close() {}

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public boolean isReadOnly() {
        return false;
    }

    @Override
    public String getSeparator() {
        return "/";
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        return List.of(new HadoopPath(this, true, List.of()));
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return List.of();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return Set.of("basic");
    }

    @Override
    public Path getPath(String first, String... more) {
        StringBuilder sb = new StringBuilder(first);
        for (String m : more) {
            sb.append('/').append(m);
        }
        return HadoopPath.parse(this, sb.toString());
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        throw new UnsupportedOperationException("no path matcher on " + scheme + ":");
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        throw new UnsupportedOperationException("no user principals on " + scheme + ":");
    }

    @Override
    public WatchService newWatchService() {
        throw new UnsupportedOperationException("no watch service on " + scheme + ":");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HadoopFileSystem f && f.scheme.equals(scheme) && Objects.equals(f.authority, authority);
    }

    @Override
    public int hashCode() {
        return scheme.hashCode() * 31 + Objects.hashCode(authority);
    }
}
