package sinkscope.spark;

import ai.djl.Device;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.apache.spark.resource.ResourceInformation;
import sinkscope.model.DeviceCheck;

/**
 * An executor that Spark gave a {@code gpu} resource checks its device when it starts ({@code spark.plugins}, set by
 * {@code conf/gpu-cluster.properties}): libtorch must be a CUDA build that sees {@code cuda:<address>} and can place an
 * array on it ({@link DeviceCheck#require}). If not, the executor stops before it takes any task, with the reason
 * ({@code "CUDA is not available"}, a missing device, ...) in its log and in the driver's
 * ({@code Lost executor N ...: Unable to create executor due to executor N stops at its start: cuda:K ...}); a node
 * without a usable GPU runs no sample. Executors without a {@code gpu} resource (CPU profiles) check nothing.
 *
 * <p>The cluster manager replaces a stopped executor, and a standalone master does so without end while any executor
 * is running. So the driver counts the checks: when {@code F} executors have failed and none has passed, with
 * {@code F = max(4, 2 * E)} and {@code E} the executors the application asks for ({@code spark.executor.instances}, or
 * {@code spark.cores.max / spark.executor.cores}), it stops the application, and the job fails. Once one executor
 * has passed, failures elsewhere only cost their nodes. Tasks check their device again at the runner, so a profile
 * without this plugin still fails before any sample.
 */
public final class GpuCheckPlugin implements SparkPlugin {

    /** What an executor tells the driver: passed, or the reason it stops. */
    record Check(boolean passed, String message) implements java.io.Serializable {}

    @Override
    public DriverPlugin driverPlugin() {
        return new DriverPlugin() {
            private final AtomicInteger passed = new AtomicInteger();
            private final AtomicInteger failed = new AtomicInteger();
            private final AtomicBoolean stopping = new AtomicBoolean();
            private SparkContext sc;
            private int limit;

            @Override
            public Map<String, String> init(SparkContext sc, PluginContext ctx) {
                this.sc = sc;
                this.limit = failureLimit(sc.getConf());
                return Map.of();
            }

            @Override
            public Object receive(Object message) {
                Check check = (Check) message;
                if (check.passed()) {
                    passed.incrementAndGet();
                } else if (failed.incrementAndGet() >= limit && passed.get() == 0 && stopping.compareAndSet(false, true)) {
                    String why = "gpu check: " + failed.get() + " executors stopped at their start and none passed; the last: "
                            + check.message() + ". Stopping the application.";
                    System.err.println(why);
                    Thread stop = new Thread(() -> sc.stop(1), "gpu-check-stop");
                    stop.setDaemon(true);
                    stop.start();
                }
                return Boolean.TRUE;
            }
        };
    }

    /** {@code max(4, 2 * executors asked for)}; 4 when the configuration does not say how many. */
    static int failureLimit(SparkConf conf) {
        int executors = conf.getInt("spark.executor.instances", 0);
        if (executors == 0 && conf.contains("spark.cores.max")) {
            executors = conf.getInt("spark.cores.max", 0) / Math.max(1, conf.getInt("spark.executor.cores", 1));
        }
        return Math.max(4, 2 * executors);
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext ctx, Map<String, String> extraConf) {
                ResourceInformation gpu = ctx.resources().get("gpu");
                if (gpu == null || gpu.addresses().length == 0) {
                    return;
                }
                for (String address : gpu.addresses()) {
                    try {
                        DeviceCheck.require(Device.gpu(Integer.parseInt(address.trim())));
                    } catch (RuntimeException e) {
                        String why = "executor " + ctx.executorID() + " stops at its start: " + e.getMessage();
                        tell(ctx, new Check(false, why));
                        throw new IllegalStateException(why, e);
                    }
                }
                tell(ctx, new Check(true, null));
            }
        };
    }

    /** Waits for the driver's answer, so that a failing executor is counted before it exits. */
    private static void tell(PluginContext ctx, Check check) {
        try {
            ctx.ask(check);
        } catch (Exception e) {
            // the driver is gone or slow: the executor's own log still says why
        }
    }
}
