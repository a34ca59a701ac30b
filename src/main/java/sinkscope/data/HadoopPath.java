package sinkscope.data;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;

/**
 * A path on a Hadoop file system ({@code scheme://authority/a/b}), as a {@link Path} so the JDK's {@code Files} and the
 * project's readers work on it unchanged ({@link Storage#path}). Names are separated by {@code /}; an absolute path
 * prints as its full URI, a relative one (from {@link #relativize}, {@link #getFileName}) as its names. No symbolic
 * links: {@link #toRealPath} is {@link #normalize} of the absolute path.
 */
final class HadoopPath implements Path {
    private final HadoopFileSystem fs;
    private final boolean absolute;
    private final List<String> names;

    HadoopPath(HadoopFileSystem fs, boolean absolute, List<String> names) {
        this.fs = fs;
        this.absolute = absolute;
        this.names = List.copyOf(names);
    }

    /** {@code text} split on {@code /}; absolute when it starts with {@code /}. */
    static HadoopPath parse(HadoopFileSystem fs, String text) {
        List<String> names = new ArrayList<>();
        for (String n : text.split("/")) {
            if (!n.isEmpty()) {
                names.add(n);
            }
        }
        return new HadoopPath(fs, text.startsWith("/"), names);
    }

    /** The path part ({@code /a/b}), for Hadoop's {@link org.apache.hadoop.fs.Path}. */
    String pathString() {
        return (absolute ? "/" : "") + String.join("/", names);
    }

    org.apache.hadoop.fs.Path toHadoop() {
        return new org.apache.hadoop.fs.Path(toAbsolutePath().toUri());
    }

    @Override
    public HadoopFileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return absolute;
    }

    @Override
    public Path getRoot() {
        return absolute ? new HadoopPath(fs, true, List.of()) : null;
    }

    @Override
    public Path getFileName() {
        return names.isEmpty() ? null : new HadoopPath(fs, false, List.of(names.get(names.size() - 1)));
    }

    @Override
    public Path getParent() {
        if (names.isEmpty() || names.size() == 1 && !absolute) {
            return null;
        }
        return new HadoopPath(fs, absolute, names.subList(0, names.size() - 1));
    }

    @Override
    public int getNameCount() {
        return names.size();
    }

    @Override
    public Path getName(int index) {
        return new HadoopPath(fs, false, List.of(names.get(index)));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
        return new HadoopPath(fs, false, names.subList(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        if (!(other instanceof HadoopPath o) || !o.fs.equals(fs) || o.absolute != absolute || o.names.size() > names.size()) {
            return false;
        }
        return names.subList(0, o.names.size()).equals(o.names);
    }

    @Override
    public boolean endsWith(Path other) {
        if (!(other instanceof HadoopPath o) || o.absolute && !(absolute && o.equals(this)) || o.names.size() > names.size()) {
            return false;
        }
        return names.subList(names.size() - o.names.size(), names.size()).equals(o.names);
    }

    @Override
    public Path normalize() {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n.equals(".")) {
                continue;
            }
            if (n.equals("..") && !out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
                out.remove(out.size() - 1);
            } else if (!(n.equals("..") && absolute)) {
                out.add(n);
            }
        }
        return new HadoopPath(fs, absolute, out);
    }

    @Override
    public Path resolve(Path other) {
        if (other.isAbsolute()) {
            return other;
        }
        List<String> joined = new ArrayList<>(names);
        for (Path n : other) {
            joined.add(n.toString());
        }
        return new HadoopPath(fs, absolute, joined);
    }

    @Override
    public Path resolve(String other) {
        if (Storage.isUri(other)) {
            return Storage.path(other);
        }
        return resolve(parse(fs, other));
    }

    @Override
    public Path relativize(Path other) {
        if (!(other instanceof HadoopPath o) || !o.fs.equals(fs) || o.absolute != absolute) {
            throw new IllegalArgumentException("cannot relativize " + other + " against " + this);
        }
        int common = 0;
        while (common < names.size() && common < o.names.size() && names.get(common).equals(o.names.get(common))) {
            common++;
        }
        List<String> out = new ArrayList<>();
        for (int i = common; i < names.size(); i++) {
            out.add("..");
        }
        out.addAll(o.names.subList(common, o.names.size()));
        return new HadoopPath(fs, false, out);
    }

    @Override
    public URI toUri() {
        try {
            return new URI(fs.scheme(), fs.authority(), ((HadoopPath) toAbsolutePath()).pathString(), null, null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A relative path is taken from the file system's root. */
    @Override
    public Path toAbsolutePath() {
        return absolute ? this : new HadoopPath(fs, true, names);
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
        Path p = toAbsolutePath().normalize();
        fs.provider().checkAccess(p);
        return p;
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
        throw new UnsupportedOperationException("no watch service on " + fs.scheme() + ":");
    }

    @Override
    public int compareTo(Path other) {
        if (!(other instanceof HadoopPath)) {
            throw new ProviderMismatchException();
        }
        return toString().compareTo(other.toString());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HadoopPath p && p.fs.equals(fs) && p.absolute == absolute && p.names.equals(names);
    }

    @Override
    public int hashCode() {
        return fs.hashCode() * 31 + names.hashCode() * 2 + (absolute ? 1 : 0);
    }

    /** The full URI when absolute, the names otherwise. */
    @Override
    public String toString() {
        return absolute ? fs.scheme() + "://" + (fs.authority() == null ? "" : fs.authority()) + pathString() : pathString();
    }
}
