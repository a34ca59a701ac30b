package sinkscope.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;

/**
 * The JDK's file-system interface over Hadoop's {@link org.apache.hadoop.fs.FileSystem}, for {@link HadoopPath}s: what
 * {@code Files} needs to read, list, create, write, rename and delete files (no links, no permissions, no watch
 * service, no file stores). Not installed as a JDK provider: paths come from {@link Storage#path} only.
 *
 * <p>Mapping: attributes from {@code getFileStatus} (a missing file is a {@link NoSuchFileException}); reading from
 * {@code open} (seekable); writing from {@code create} ({@code CREATE_NEW} fails with {@link
 * FileAlreadyExistsException} when the file exists, atomically where the file system is, e.g. HDFS) or {@code append};
 * {@code createDirectory} from {@code mkdirs}; {@code move} from {@code rename}.
 */
final class HadoopFileSystemProvider extends FileSystemProvider {
    static final HadoopFileSystemProvider INSTANCE = new HadoopFileSystemProvider();

    private final Map<String, HadoopFileSystem> systems = new ConcurrentHashMap<>();

    private HadoopFileSystemProvider() {}

    private static HadoopPath cast(Path p) {
        if (!(p instanceof HadoopPath h)) {
            throw new ProviderMismatchException("not a Hadoop path: " + p);
        }
        return h;
    }

    private static org.apache.hadoop.fs.FileSystem fs(Path p) throws IOException {
        return cast(p).getFileSystem().hadoop();
    }

    private static FileStatus status(Path p) throws IOException {
        try {
            return fs(p).getFileStatus(cast(p).toHadoop());
        } catch (FileNotFoundException e) {
            throw new NoSuchFileException(p.toString());
        }
    }

    @Override
    public String getScheme() {
        return "hadoop";
    }

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
        return getFileSystem(uri);
    }

    @Override
    public HadoopFileSystem getFileSystem(URI uri) {
        String scheme = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        String authority = uri.getAuthority();
        return systems.computeIfAbsent(scheme + "://" + (authority == null ? "" : authority), k -> new HadoopFileSystem(scheme, authority));
    }

    @Override
    public HadoopPath getPath(URI uri) {
        String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
        return HadoopPath.parse(getFileSystem(uri), path.startsWith("/") ? path : "/" + path);
    }

    @Override
    public InputStream newInputStream(Path path, OpenOption... options) throws IOException {
        status(path);
        return fs(path).open(cast(path).toHadoop());
    }

    @Override
    public OutputStream newOutputStream(Path path, OpenOption... options) throws IOException {
        List<OpenOption> opts = List.of(options);
        org.apache.hadoop.fs.Path p = cast(path).toHadoop();
        org.apache.hadoop.fs.FileSystem fs = fs(path);
        if (opts.contains(StandardOpenOption.APPEND)) {
            return fs.exists(p) ? fs.append(p) : fs.create(p, false);
        }
        if (opts.contains(StandardOpenOption.CREATE_NEW)) {
            try {
                return fs.create(p, false);
            } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
                throw new FileAlreadyExistsException(path.toString());
            } catch (IOException e) {
                if (fs.exists(p)) {
                    throw new FileAlreadyExistsException(path.toString());
                }
                throw e;
            }
        }
        if (!opts.isEmpty() && !opts.contains(StandardOpenOption.CREATE) && !fs.exists(p)) {
            throw new NoSuchFileException(path.toString());
        }
        return fs.create(p, true);
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
        if (options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND)) {
            OutputStream out = newOutputStream(path, options.toArray(new OpenOption[0]));
            return new WriteChannel(out);
        }
        long size = status(path).getLen();
        return new ReadChannel(fs(path).open(cast(path).toHadoop()), size);
    }

    /** A read-only channel over a seekable Hadoop stream. */
    private static final class ReadChannel implements SeekableByteChannel {
        private final FSDataInputStream in;
        private final long size;
        private boolean open = true;

        ReadChannel(FSDataInputStream in, long size) {
            this.in = in;
            this.size = size;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            byte[] b = new byte[Math.min(dst.remaining(), 1 << 16)];
            int n = in.read(b, 0, b.length);
            if (n > 0) {
                dst.put(b, 0, n);
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new NonWritableChannelException();
        }

        @Override
        public long position() throws IOException {
            return in.getPos();
        }

        @Override
        public SeekableByteChannel position(long newPosition) throws IOException {
            in.seek(newPosition);
            return this;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public SeekableByteChannel truncate(long s) {
            throw new NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() throws IOException {
            open = false;
            in.close();
        }
    }

    /** A write-only, append-only channel over a Hadoop output stream. */
    private static final class WriteChannel implements SeekableByteChannel {
        private final OutputStream out;
        private final java.nio.channels.WritableByteChannel ch;
        private long written;

        WriteChannel(OutputStream out) {
            this.out = out;
            this.ch = Channels.newChannel(out);
        }

        @Override
        public int read(ByteBuffer dst) {
            throw new java.nio.channels.NonReadableChannelException();
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = ch.write(src);
            written += n;
            return n;
        }

        @Override
        public long position() {
            return written;
        }

        @Override
        public SeekableByteChannel position(long p) {
            throw new UnsupportedOperationException("Hadoop files are written sequentially");
        }

        @Override
        public long size() {
            return written;
        }

        @Override
        public SeekableByteChannel truncate(long s) {
            throw new UnsupportedOperationException("Hadoop files are written sequentially");
        }

        @Override
        public boolean isOpen() {
            return ch.isOpen();
        }

        @Override
        public void close() throws IOException {
            ch.close();
            out.close();
        }
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
        if (!status(dir).isDirectory()) {
            throw new java.nio.file.NotDirectoryException(dir.toString());
        }
        List<Path> out = new ArrayList<>();
        for (FileStatus s : fs(dir).listStatus(cast(dir).toHadoop())) {
            Path child = dir.resolve(s.getPath().getName());
            if (filter.accept(child)) {
                out.add(child);
            }
        }
        return new DirectoryStream<>() {
            @Override
            public Iterator<Path> iterator() {
                return out.iterator();
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        org.apache.hadoop.fs.FileSystem fs = fs(dir);
        if (fs.exists(cast(dir).toHadoop())) {
            throw new FileAlreadyExistsException(dir.toString());
        }
        if (!fs.mkdirs(cast(dir).toHadoop())) {
            throw new IOException("cannot create the folder " + dir);
        }
    }

    @Override
    public void delete(Path path) throws IOException {
        FileStatus s = status(path);
        org.apache.hadoop.fs.FileSystem fs = fs(path);
        if (s.isDirectory() && fs.listStatus(s.getPath()).length > 0) {
            throw new DirectoryNotEmptyException(path.toString());
        }
        if (!fs.delete(cast(path).toHadoop(), false)) {
            throw new IOException("cannot delete " + path);
        }
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        if (List.of(options).contains(StandardCopyOption.REPLACE_EXISTING)) {
            deleteIfExists(target);
        }
        try (InputStream in = newInputStream(source); OutputStream out = newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
            in.transferTo(out);
        }
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        status(source);
        org.apache.hadoop.fs.FileSystem fs = fs(source);
        if (fs.exists(cast(target).toHadoop())) {
            if (!List.of(options).contains(StandardCopyOption.REPLACE_EXISTING)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            fs.delete(cast(target).toHadoop(), false);
        }
        if (!fs.rename(cast(source).toHadoop(), cast(target).toHadoop())) {
            throw new IOException("cannot rename " + source + " to " + target);
        }
    }

    @Override
    public boolean isSameFile(Path path, Path path2) {
        return path.toAbsolutePath().normalize().equals(path2.toAbsolutePath().normalize());
    }

    @Override
    public boolean isHidden(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    @Override
    public FileStore getFileStore(Path path) {
        throw new UnsupportedOperationException("no file store on " + path);
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        status(path);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options) throws IOException {
        if (!type.isAssignableFrom(BasicFileAttributes.class)) {
            throw new UnsupportedOperationException(type.getSimpleName() + " on " + path);
        }
        FileStatus s = status(path);
        return (A) new BasicFileAttributes() {
            @Override
            public FileTime lastModifiedTime() {
                return FileTime.fromMillis(s.getModificationTime());
            }

            @Override
            public FileTime lastAccessTime() {
                return FileTime.fromMillis(s.getAccessTime());
            }

            @Override
            public FileTime creationTime() {
                return lastModifiedTime();
            }

            @Override
            public boolean isRegularFile() {
                return s.isFile();
            }

            @Override
            public boolean isDirectory() {
                return s.isDirectory();
            }

            @Override
            public boolean isSymbolicLink() {
                return false;
            }

            @Override
            public boolean isOther() {
                return false;
            }

            @Override
            public long size() {
                return s.getLen();
            }

            @Override
            public Object fileKey() {
                return null;
            }
        };
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        BasicFileAttributes a = readAttributes(path, BasicFileAttributes.class);
        return Map.of("size", a.size(), "isDirectory", a.isDirectory(), "isRegularFile", a.isRegularFile(),
                "lastModifiedTime", a.lastModifiedTime());
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) {
        throw new UnsupportedOperationException("no attributes to set on " + path);
    }
}
