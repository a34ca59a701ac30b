package sinkscope.spark;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import sinkscope.data.Storage;

/**
 * One run at a time per output root: the file {@code OUT/_sinkscope.lock} (JSON: application id, host, pid, start time,
 * heartbeat), created atomically ({@code CREATE_NEW}, atomic on local disks and HDFS) before the run writes anything
 * and deleted when it ends. The driver rewrites the heartbeat every {@link #HEARTBEAT}.
 *
 * <p>A second run finding the file refuses to start, naming the other run, unless that run is stale: its heartbeat is
 * older than {@link #STALE} (its driver died without deleting the file, on any host), or it was started on this host by a
 * process that is no longer running. A stale lock is taken over with a message.
 */
public final class OutputLock implements AutoCloseable {
    /** The lock file's name in the output root (Spark skips names starting with {@code _}). */
    public static final String FILE = "_sinkscope.lock";
    static final Duration HEARTBEAT = Duration.ofSeconds(20);
    static final Duration STALE = Duration.ofMinutes(2);

    /** Another run holds the output root. */
    public static final class Held extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Held(String message) {
            super(message);
        }
    }

    /** Who holds a lock. */
    public record Holder(String appId, String host, long pid, Instant started, Instant heartbeat) {
        JsonObject json() {
            JsonObject o = new JsonObject();
            o.addProperty("application_id", appId);
            o.addProperty("host", host);
            o.addProperty("pid", pid);
            o.addProperty("started", started.toString());
            o.addProperty("heartbeat", heartbeat.toString());
            return o;
        }

        static Holder parse(String text) {
            JsonObject o = JsonParser.parseString(text).getAsJsonObject();
            return new Holder(o.get("application_id").getAsString(), o.get("host").getAsString(), o.get("pid").getAsLong(),
                    Instant.parse(o.get("started").getAsString()), Instant.parse(o.get("heartbeat").getAsString()));
        }

        String describe() {
            return "application " + appId + " on " + host + " (pid " + pid + "), started " + started + ", last heartbeat " + heartbeat;
        }
    }

    private final Path file;
    private final Holder holder;
    private final ScheduledExecutorService heartbeat;

    private OutputLock(Path file, Holder holder, Duration every) {
        this.file = file;
        this.holder = holder;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sinkscope-output-lock");
            t.setDaemon(true);
            return t;
        });
        long ms = every.toMillis();
        heartbeat.scheduleAtFixedRate(this::beat, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Takes the lock of output root {@code root} for application {@code appId}, or throws {@link Held}. */
    public static OutputLock acquire(String root, String appId, PrintStream log) {
        return acquire(root, appId, log, HEARTBEAT, STALE);
    }

    static OutputLock acquire(String root, String appId, PrintStream log, Duration every, Duration stale) {
        Path file = Storage.path(root).resolve(FILE);
        Instant now = Instant.now();
        Holder me = new Holder(appId, host(), ProcessHandle.current().pid(), now, now);
        try {
            Files.createDirectories(file.getParent());
            for (int attempt = 0; ; attempt++) {
                try {
                    write(file, me, true);
                    return new OutputLock(file, me, every);
                } catch (FileAlreadyExistsException e) {
                    Holder other;
                    try {
                        other = Holder.parse(Files.readString(file, StandardCharsets.UTF_8));
                    } catch (NoSuchFileException gone) {
                        continue; // released meanwhile
                    } catch (RuntimeException bad) {
                        throw new Held(file + " exists but is not a lock this project wrote (" + bad.getMessage() + "); delete it if no run uses "
                                + root);
                    }
                    String why = staleReason(other, now, stale);
                    if (why == null || attempt > 0) {
                        throw new Held("output root " + root + " is in use by another run: " + other.describe()
                                + "; wait for it, give another --out, or delete " + file + " if that run is gone");
                    }
                    log.println("output root " + root + ": taking over the stale lock of " + other.describe() + " (" + why + ")");
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the output root " + root + " (" + file + "): " + e.getMessage(), e);
        }
    }

    /** Why {@code other} is stale, or null when it is live. */
    static String staleReason(Holder other, Instant now, Duration stale) {
        if (other.heartbeat().plus(stale).isBefore(now)) {
            return "no heartbeat for " + Duration.between(other.heartbeat(), now).toSeconds() + " s";
        }
        if (other.host().equals(host()) && ProcessHandle.of(other.pid()).map(p -> !p.isAlive()).orElse(true)) {
            return "its process " + other.pid() + " on this host is not running";
        }
        return null;
    }

    private static void write(Path file, Holder h, boolean createNew) throws IOException {
        byte[] text = (h.json() + "\n").getBytes(StandardCharsets.UTF_8);
        try (OutputStream o = createNew ? Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)
                : Files.newOutputStream(file)) {
            o.write(text);
        }
    }

    private void beat() {
        try {
            write(file, new Holder(holder.appId(), holder.host(), holder.pid(), holder.started(), Instant.now()), false);
        } catch (IOException | RuntimeException e) {
            System.err.println("output lock " + file + ": heartbeat failed: " + e.getMessage());
        }
    }

    /** Who holds this lock. */
    public Holder holder() {
        return holder;
    }

    /** Stops the heartbeat and deletes the lock file when it is still this run's. */
    @Override
    public void close() {
        heartbeat.shutdown();
        try {
            heartbeat.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Holder now = Holder.parse(Files.readString(file, StandardCharsets.UTF_8));
            if (now.appId().equals(holder.appId()) && now.pid() == holder.pid() && now.host().equals(holder.host())) {
                Files.deleteIfExists(file);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("output lock " + file + ": not released: " + e.getMessage());
        }
    }

    static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
