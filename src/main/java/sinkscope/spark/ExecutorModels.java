package sinkscope.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-executor model cache: one {@link SampleRunner} per JVM and (spec, device), created on first use by
 * the spec's factory and shared by every later task and row; closed when the JVM shuts down.
 *
 * <p>Creation is atomic: concurrent tasks asking for the same key wait for the one load. A failed load is not
 * cached, so a retried task tries again.
 */
public final class ExecutorModels {
    private static final Map<Key, SampleRunner> RUNNERS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "sinkscope-models-close"));
    }

    private ExecutorModels() {}

    private record Key(RunnerSpec spec, String device) {}

    /** The runner for {@code spec} on {@code device}, loading it the first time. */
    public static SampleRunner get(RunnerSpec spec, DeviceAssignment device) {
        configureStorage();
        return RUNNERS.computeIfAbsent(new Key(spec, device.device()), k -> {
            try {
                return spec.factory().create(spec, device);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("cannot load the model for " + spec.modelDir() + " on "
                        + device.device() + ": " + e.getMessage(), e);
            }
        });
    }

    /**
     * On an executor that is not the driver's JVM, {@link sinkscope.data.Storage} reads URIs with the application's Hadoop
     * configuration ({@code spark.hadoop.*} included), set once per JVM.
     */
    private static void configureStorage() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        if (env != null && !sinkscope.data.Storage.configured()) {
            sinkscope.data.Storage.configure(org.apache.spark.deploy.SparkHadoopUtil.get().newConfiguration(env.conf()));
        }
    }

    /** How many runners this JVM holds. */
    public static int loaded() {
        return RUNNERS.size();
    }

    /** Closes and forgets every runner (shutdown hook; tests between sessions). */
    public static synchronized void closeAll() {
        for (Key k : RUNNERS.keySet()) {
            SampleRunner r = RUNNERS.remove(k);
            if (r != null) {
                r.close();
            }
        }
    }
}
