package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.data.FakeSchemeFileSystem;
import sinkscope.data.Storage;

/** {@link ModelCache}: one copy per node under racing threads and processes; partial and stale copies never used. */
class ModelCacheTest {
    @TempDir
    Path tmp;

    /** A model-like folder: config, two 3 MB shards, a sub-folder. */
    private Path model() throws IOException {
        Path m = tmp.resolve("src/llava-tiny");
        Files.createDirectories(m.resolve("sub"));
        Files.writeString(m.resolve("config.json"), "{\"model_type\": \"llava\"}");
        Random r = new Random(1);
        for (String shard : List.of("model-00001.safetensors", "model-00002.safetensors")) {
            byte[] b = new byte[3 << 20];
            r.nextBytes(b);
            Files.write(m.resolve(shard), b);
        }
        Files.writeString(m.resolve("sub/tokenizer.json"), "{}");
        return m;
    }

    private static void assertSameFiles(Path a, Path b) throws IOException {
        assertEquals(ModelCache.sizes(a), ModelCache.sizes(b));
        for (String rel : ModelCache.sizes(a).keySet()) {
            assertArrayEquals(Files.readAllBytes(a.resolve(rel)), Files.readAllBytes(b.resolve(rel)), rel);
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void racingThreadsCopyOnceAndAllGetTheCompleteCopy() throws Exception {
        Path src = model();
        Path cache = tmp.resolve("cache");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<ModelCache.Result>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit((Callable<ModelCache.Result>) () -> ModelCache.local(Storage.path("file://" + src), cache)));
            }
            int copied = 0;
            Path dir = null;
            for (Future<ModelCache.Result> f : results) {
                ModelCache.Result r = f.get();
                copied += r.copied() ? 1 : 0;
                assertTrue(dir == null || dir.equals(r.dir()));
                dir = r.dir();
            }
            assertEquals(1, copied, "exactly one thread copies");
            assertSameFiles(src, dir);
            assertEquals(2, names(cache).size(), "the copy and its lock file, no temp folder left: " + names(cache));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void racingProcessesCopyOnce() throws Exception {
        Path src = model();
        Path cache = tmp.resolve("cache");
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<Process> procs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            procs.add(new ProcessBuilder(java, "-cp", cp, ModelCacheRace.class.getName(), "file://" + src, cache.toString())
                    .redirectErrorStream(true).start());
        }
        int copied = 0;
        for (Process p : procs) {
            String out = new String(p.getInputStream().readAllBytes()).trim();
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.endsWith("copied") || out.endsWith("found"), out);
            copied += out.endsWith("copied") ? 1 : 0;
        }
        assertEquals(1, copied, "exactly one process copies");
        ModelCache.Result again = ModelCache.local(Storage.path("file://" + src), cache);
        assertFalse(again.copied());
        assertSameFiles(src, again.dir());
    }

    @Test
    void aPartialCopyLeftByAKilledCopierIsNeverUsed() throws Exception {
        Path src = model();
        Path cache = tmp.resolve("cache");
        ModelCache.Result first = ModelCache.local(Storage.path("file://" + src), cache);
        String key = first.dir().getFileName().toString();
        // a copier killed mid-copy: its temp folder holds a truncated shard, and the final folder is not there
        Files.walk(first.dir()).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        Path partial = cache.resolve(key + ".tmp-12345-1");
        Files.createDirectories(partial);
        Files.write(partial.resolve("model-00001.safetensors"), new byte[100]);
        ModelCache.Result r = ModelCache.local(Storage.path("file://" + src), cache);
        assertTrue(r.copied());
        assertSameFiles(src, r.dir());
        assertFalse(Files.exists(partial), "the dead copier's leftovers are removed");

        // a copy whose sizes no longer match the source (truncated, or the source changed) is copied again
        Files.write(r.dir().resolve("model-00002.safetensors"), new byte[10]);
        ModelCache.Result fixed = ModelCache.local(Storage.path("file://" + src), cache);
        assertTrue(fixed.copied());
        assertSameFiles(src, fixed.dir());
    }

    @Test
    void aNonFileUriIsCopiedAndALocalOneUsedInPlace() throws Exception {
        Path src = model();
        Path cache = tmp.resolve("cache");
        Path dir = ModelCache.resolve(FakeSchemeFileSystem.uri(src), cache);
        assertTrue(dir.startsWith(cache), dir.toString());
        assertSameFiles(src, dir);
        assertEquals(src, ModelCache.resolve(src.toString(), cache));
        assertEquals(src, ModelCache.resolve("file://" + src, cache));
    }
}
