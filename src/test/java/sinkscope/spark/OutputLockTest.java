package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.data.FakeSchemeFileSystem;

/** {@link OutputLock}: a second run refuses naming the first; stale locks (dead process, no heartbeat) are taken over. */
class OutputLockTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8);

    private void plant(Path root, OutputLock.Holder h) throws Exception {
        Files.createDirectories(root);
        Files.writeString(root.resolve(OutputLock.FILE), h.json().toString());
    }

    @Test
    void aSecondRunRefusesNamingTheFirstUntilItEnds() {
        for (String root : new String[] {tmp.resolve("out").toString(), FakeSchemeFileSystem.uri(tmp.resolve("remote"))}) {
            OutputLock first = OutputLock.acquire(root, "app-1", ps);
            OutputLock.Held held = assertThrows(OutputLock.Held.class, () -> OutputLock.acquire(root, "app-2", ps));
            assertTrue(held.getMessage().contains("application app-1 on " + OutputLock.host()), held.getMessage());
            assertTrue(held.getMessage().contains("started " + first.holder().started()), held.getMessage());
            first.close();
            assertFalse(Files.exists(sinkscope.data.Storage.path(root).resolve(OutputLock.FILE)), "released");
            OutputLock.acquire(root, "app-2", ps).close();
        }
        assertFalse(log.toString(StandardCharsets.UTF_8).contains("taking over"));
    }

    @Test
    void aLockOfADeadProcessOnThisHostIsTakenOver() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        Path root = tmp.resolve("out");
        Instant now = Instant.now();
        plant(root, new OutputLock.Holder("app-dead", OutputLock.host(), p.pid(), now, now));
        try (OutputLock lock = OutputLock.acquire(root.toString(), "app-3", ps)) {
            assertEquals("app-3", lock.holder().appId());
            assertTrue(Files.readString(root.resolve(OutputLock.FILE)).contains("app-3"));
        }
        String out = log.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("taking over the stale lock of application app-dead") && out.contains("is not running"), out);
    }

    @Test
    void aLockWithoutHeartbeatIsStaleOnAnyHostAndALiveOneHolds() throws Exception {
        Path root = tmp.resolve("out");
        Instant old = Instant.now().minus(Duration.ofMinutes(10));
        plant(root, new OutputLock.Holder("app-old", "other-host", 42, old, old));
        OutputLock.acquire(root.toString(), "app-4", ps).close();
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("no heartbeat for"), log.toString(StandardCharsets.UTF_8));

        Instant now = Instant.now();
        plant(root, new OutputLock.Holder("app-live", "other-host", 42, now, now));
        OutputLock.Held held = assertThrows(OutputLock.Held.class, () -> OutputLock.acquire(root.toString(), "app-5", ps));
        assertTrue(held.getMessage().contains("app-live on other-host"), held.getMessage());
    }

    @Test
    void theDriverRefreshesTheHeartbeat() throws Exception {
        Path root = tmp.resolve("out");
        try (OutputLock lock = OutputLock.acquire(root.toString(), "app-6", ps, Duration.ofMillis(50), Duration.ofMinutes(2))) {
            Instant started = lock.holder().started();
            long deadline = System.currentTimeMillis() + 10_000;
            Instant beat = started;
            while (!beat.isAfter(started) && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
                try {
                    beat = OutputLock.Holder.parse(Files.readString(root.resolve(OutputLock.FILE))).heartbeat();
                } catch (RuntimeException mid) {
                    // read while being rewritten
                }
            }
            assertTrue(beat.isAfter(started), "heartbeat " + beat + " after start " + started);
        }
    }
}
