package sinkscope.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import sinkscope.data.Storage;

/**
 * A model given as a URI ({@code hdfs://.../llava-1.5-7b-hf}, {@code s3a://...}) copied once per node into a local
 * folder, so it is memory-mapped as a local model is.
 *
 * <p>Contract of {@link #local}: the copy of {@code source} is {@code CACHE/<sha256(uri)[0:16]>-<name>}; that name appears
 * only by an atomic rename of a complete copy, so a partial copy is never used. The copier holds an OS file lock on
 * {@code CACHE/<key>.lock} (and a JVM-wide lock for the key, since one JVM cannot hold the same file lock twice): the
 * other executors and threads of the node wait on it, then find the copy. Under the lock, leftovers of a copier that
 * died ({@code <key>.tmp-*}) are deleted; the OS releases a dead process's lock. A copy is used only when it holds
 * every file of the source with the source's size (a changed source is copied again).
 */
public final class ModelCache {
    /** The Spark local property (set by {@code --model-cache DIR}) naming the cache folder on every node. */
    public static final String CACHE_PROPERTY = "sinkscope.model.cache";

    private static final Map<String, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    private ModelCache() {}

    /** Where the copy is and whether this call made it. */
    public record Result(Path dir, boolean copied) {}

    /**
     * The local folder of the model {@code location}: the path itself when it is local (a path or {@code file:} URI),
     * otherwise its copy in {@code cacheRoot} ({@link #local}).
     */
    public static Path resolve(String location, Path cacheRoot) {
        if (Storage.isLocal(location)) {
            return Storage.path(location);
        }
        try {
            return local(Storage.path(location), cacheRoot).dir();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the model " + location + " into the cache " + cacheRoot + ": " + e.getMessage(), e);
        }
    }

    /**
     * The cache folder of a task: {@link #CACHE_PROPERTY} when set, else {@code sinkscope-models} under the first of
     * {@code spark.local.dir}, else under {@code java.io.tmpdir}.
     */
    public static Path cacheRoot() {
        org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
        String asked = task == null ? null : task.getLocalProperty(CACHE_PROPERTY);
        if (asked != null) {
            return Path.of(asked);
        }
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        String local = env == null ? null : env.conf().get("spark.local.dir", null);
        String base = local == null ? System.getProperty("java.io.tmpdir") : local.split(",")[0].trim();
        return Path.of(base, "sinkscope-models");
    }

    /** The complete local copy of {@code source} under {@code cacheRoot}, made by this call or found. */
    public static Result local(Path source, Path cacheRoot) throws IOException {
        Map<String, Long> sizes = sizes(source);
        if (sizes.isEmpty()) {
            throw new IOException(source + " holds no files");
        }
        String key = key(source);
        Path dir = cacheRoot.resolve(key);
        if (matches(dir, sizes)) {
            return new Result(dir, false);
        }
        Files.createDirectories(cacheRoot);
        synchronized (JVM_LOCKS.computeIfAbsent(cacheRoot.toAbsolutePath() + "/" + key, k -> new Object())) {
            try (FileChannel ch = FileChannel.open(cacheRoot.resolve(key + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = ch.lock()) {
                if (matches(dir, sizes)) {
                    return new Result(dir, false);
                }
                try (Stream<Path> old = Files.list(cacheRoot)) {
                    for (Path p : old.filter(p -> p.getFileName().toString().startsWith(key + ".tmp-")).toList()) {
                        deleteTree(p); // a copier that died left it
                    }
                }
                Path tmp = cacheRoot.resolve(key + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
                for (String rel : sizes.keySet()) {
                    Path to = tmp.resolve(rel);
                    Files.createDirectories(to.getParent());
                    try (var in = Files.newInputStream(source.resolve(rel))) {
                        Files.copy(in, to);
                    }
                }
                if (!matches(tmp, sizes)) {
                    deleteTree(tmp);
                    throw new IOException("the copy of " + source + " does not have the source's file sizes (did it change while copying?)");
                }
                if (Files.exists(dir)) {
                    Path stale = cacheRoot.resolve(key + ".tmp-stale-" + System.nanoTime());
                    Files.move(dir, stale, StandardCopyOption.ATOMIC_MOVE);
                    deleteTree(stale);
                }
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                return new Result(dir, true);
            }
        }
    }

    /** Relative path to size of every file under {@code dir}, in name order. */
    static Map<String, Long> sizes(Path dir) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        collect(dir, "", out);
        return out;
    }

    private static void collect(Path dir, String prefix, Map<String, Long> out) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = prefix + p.getFileName().toString();
                if (Files.isDirectory(p)) {
                    collect(p, name + "/", out);
                } else {
                    out.put(name, Files.size(p));
                }
            }
        }
    }

    private static boolean matches(Path dir, Map<String, Long> sizes) throws IOException {
        return Files.isDirectory(dir) && sizes(dir).equals(sizes);
    }

    private static String key(Path source) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(source.toString().getBytes(StandardCharsets.UTF_8));
            Path name = source.getFileName();
            return HexFormat.of().formatHex(h, 0, 8) + "-" + (name == null ? "model" : name.toString().replaceAll("[^A-Za-z0-9._-]", "_"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
