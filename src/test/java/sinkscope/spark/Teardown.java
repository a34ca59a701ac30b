package sinkscope.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The last steps of the test clusters' stop ({@link MiniHdfs}, {@link StandaloneCluster}), run once, from a test or the JVM's exit. */
final class Teardown {
    private Teardown() {}

    /** Deletes {@code dir} with all it holds, then unregisters {@code hook} unless the hook is what runs this. */
    static void deleteAndUnhook(Path dir, Thread hook) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // already gone
        }
        if (Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
    }
}
