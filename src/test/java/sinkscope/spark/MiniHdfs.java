package sinkscope.spark;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * TEST HARNESS: a real single-node HDFS (one NameNode, one DataNode) in this JVM, {@code hadoop-client-minicluster} of
 * the Hadoop version Spark brings; its data under {@code target/test-hdfs-<pid>}, deleted when closed (by JUnit at the end
 * of the run, see {@link ClusterExtension}, or by a shutdown hook). Files on it are reachable from the cluster's JVMs at
 * {@link #uri()}.
 */
final class MiniHdfs implements ExtensionContext.Store.CloseableResource {
    private final Path base;
    private final MiniDFSCluster cluster;
    private final Thread hook = new Thread(this::shutdown, "mini-hdfs-stop");
    private boolean stopped;

    private MiniHdfs(Path base) throws IOException {
        this.base = base;
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
        conf.set("dfs.replication", "1");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            // Hadoop caches one FileSystem per scheme and JVM, whatever the configuration asked for: the tests' Spark
            // sessions leave a NioLocalFileSystem there for file:, and the NameNode and DataNode take FileSystem.getLocal
            // as a LocalFileSystem. Evicted for the start; the LocalFileSystem they cache evicted after it, so that
            // later sessions get their own again.
            evictLocal();
            cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).format(true).build();
            cluster.waitActive();
            evictLocal();
        } catch (IOException | RuntimeException e) {
            shutdown();
            throw e;
        }
    }

    private static void evictLocal() throws IOException {
        FileSystem.get(URI.create("file:///"), new Configuration()).close();
    }

    static MiniHdfs start() throws IOException {
        return new MiniHdfs(Files.createDirectories(Path.of("target", "test-hdfs-" + ProcessHandle.current().pid()).toAbsolutePath()));
    }

    /** {@code hdfs://localhost:<port>}. */
    URI uri() {
        return cluster.getURI();
    }

    /** A client of it (one per JVM, cached by Hadoop; not to be closed by callers). */
    FileSystem fs() throws IOException {
        return cluster.getFileSystem();
    }

    private synchronized void shutdown() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (cluster != null) {
            cluster.shutdown(true);
        }
        Teardown.deleteAndUnhook(base, hook);
    }

    @Override
    public void close() {
        shutdown();
    }
}
