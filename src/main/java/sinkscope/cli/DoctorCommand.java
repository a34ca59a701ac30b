package sinkscope.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import sinkscope.model.DeviceCheck;
import sinkscope.model.DtypeProbe;
import sinkscope.model.ModelConfig;
import sinkscope.model.Torch;

/**
 * {@code doctor [--device cpu|cuda:N] [--profile local|gpu-cluster|FILE] [--model DIR|config.json] [--threads N]
 * [--dtypes fp32,fp16,bf16]}: what a node offers the project, the first thing to run on a new one. The engine (DJL,
 * libtorch version, flavor and folder), CUDA available or not and why, the visible devices and their memory, which
 * dtypes create and compute on the device (each in a child JVM: an unmapped dtype aborts the JVM), the threads, the
 * Spark resource settings of the profile, and the model's weight memory against the device. Without {@code --device}
 * it looks at {@code cuda:0} when CUDA is available, else at the CPU. Ends with {@code doctor: ok} (exit 0) or one
 * {@code problem:} line per thing that stops a run on the device (exit 1).
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
        description = "what this node offers: engine, libtorch flavor, CUDA and why not, devices, dtypes, threads, profile, model fit. Exit 1 on a problem")
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--device", paramLabel = "cpu|cuda:N", order = 1, description = "device to check (default: cuda:0 when CUDA is available, else cpu)")
    String deviceFlag;
    @Option(names = "--profile", paramLabel = "NAME|FILE", order = 2, defaultValue = "local", description = "Spark profile to show (default: ${DEFAULT-VALUE})")
    String profile;
    @Option(names = "--model", paramLabel = "DIR|FILE", order = 3, description = "model whose weights must fit the device (default: the bundled tiny LLaVA)")
    Path model;
    @Option(names = "--dtypes", paramLabel = "NAME", order = 4, split = ",", defaultValue = "fp32,fp16,bf16",
            description = "dtypes to try on the device, each in a child JVM (default: ${DEFAULT-VALUE})")
    List<String> dtypes;
    @Option(names = "--threads", paramLabel = "INT", order = 5, defaultValue = "0", description = "libtorch intra-op threads, 0 = all cores (default: ${DEFAULT-VALUE})")
    int threads;

    @Override
    public Integer call() throws IOException {
        Torch.configure(threads);
        List<String> problems = new ArrayList<>();
        System.out.println("sinkscope doctor");
        System.out.printf("java: %s (%s), %s %s, %d cores, max heap %s, host memory %s%n", System.getProperty("java.version"),
                System.getProperty("java.vendor"), System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), gib(Runtime.getRuntime().maxMemory()), hostMemory());
        System.out.printf("environment: PYTORCH_LIBRARY_PATH=%s PYTORCH_VERSION=%s PYTORCH_FLAVOR=%s ai.djl.offline=%s CUDA_VISIBLE_DEVICES=%s%n",
                env("PYTORCH_LIBRARY_PATH"), env("PYTORCH_VERSION"), env("PYTORCH_FLAVOR"),
                ai.djl.util.Utils.getEnvOrSystemProperty("ai.djl.offline", "(unset)"), env("CUDA_VISIBLE_DEVICES"));

        DeviceCheck.EngineInfo e;
        try {
            e = DeviceCheck.engine();
        } catch (RuntimeException | LinkageError x) {
            System.out.println("engine: " + x.getMessage());
            System.out.println("problem: the engine does not load (see above); doctor: 1 problem");
            return Main.FAILED;
        }
        System.out.printf("engine: DJL %s, PyTorch (libtorch) %s, flavor %s%n", ai.djl.engine.Engine.getDjlVersion(), e.libtorchVersion(), e.flavor());
        System.out.printf("libtorch: %s (%s build)%n", e.libraryPath(), e.cudaBuild() ? "CUDA" : "CPU");
        System.out.printf("threads: intra-op %d, inter-op %d (libtorch)%n", ai.djl.pytorch.jni.JniUtils.getNumThreads(),
                ai.djl.pytorch.jni.JniUtils.getNumInteropThreads());
        String allocator = sinkscope.bench.ForwardBench.allocator();
        System.out.println("allocator: " + allocator
                + (allocator.equals("glibc") ? " (jobs/sinkscope preloads tcmalloc when installed: docs/performance.md)" : ""));
        if (e.cudaAvailable()) {
            System.out.printf("cuda: available, %d device(s) counted by the CUDA runtime%n", e.gpuCount());
        } else {
            System.out.println("cuda: CUDA not available: " + e.reason());
        }
        System.out.println("driver: " + DeviceCheck.driver().replaceFirst("^NVIDIA driver: ", ""));
        List<String[]> smi = DeviceCheck.nvidiaSmi();
        System.out.println("devices: cpu (" + Runtime.getRuntime().availableProcessors() + " cores)");
        int gpus = Math.max(e.gpuCount(), e.cudaAvailable() ? smi.size() : 0);
        for (int i = 0; i < gpus; i++) {
            DeviceCheck.GpuMemory mem = DeviceCheck.memory(Device.gpu(i));
            System.out.printf("  cuda:%d %s%n", i, mem == null ? "(memory unknown)" : gib(mem.total()) + " total, " + gib(mem.free()) + " free (" + mem.source() + ")");
        }
        for (String[] row : smi) {
            System.out.println("  nvidia-smi: " + String.join(", ", row) + " (index, name, MiB total, MiB free)");
        }
        if (smi.isEmpty()) {
            System.out.println("  nvidia-smi: not found or no device");
        }

        String deviceName = deviceFlag != null ? deviceFlag : e.cudaAvailable() ? "cuda:0" : "cpu";
        Device device = null;
        try {
            device = Torch.device(deviceName);
            System.out.println("device: " + deviceName + " usable");
        } catch (DeviceCheck.DeviceException x) {
            System.out.println("device: " + x.getMessage());
            problems.add(x.getMessage());
        }

        if (device != null) {
            System.out.println("dtypes on " + deviceName + " (each tried in a child JVM: create from bytes, toType, matmul, back to fp32):");
            for (DtypeProbe.Result r : DtypeProbe.probe(dtypes, deviceName, 120)) {
                System.out.printf("  %-5s %s%n", r.dtype(), (r.works() ? "works (" : "FAILS (") + r.detail() + ")");
                if (!r.works() && r.dtype().equals("fp32")) {
                    problems.add("fp32 does not work on " + deviceName + ": " + r.detail());
                }
            }
            System.out.println("  sinkscope offers: fp32, fp16 (bf16 is refused: DJL's JNI maps no bfloat16; bf16 checkpoints load as fp32)");
        }

        Map<String, String> props;
        try {
            props = sinkscope.spark.Pipeline.profile(profile);
        } catch (IllegalArgumentException x) {
            props = Map.of();
            problems.add(x.getMessage());
        }
        System.out.println("spark profile " + profile + ":" + (props.isEmpty() ? " (no settings: Spark defaults, local[*])" : ""));
        for (Map.Entry<String, String> p : props.entrySet()) {
            String k = p.getKey();
            if (k.contains("resource") || k.startsWith("spark.executor.") || k.startsWith("spark.task.") || k.startsWith("spark.driver.memory")
                    || k.equals("spark.master") || k.contains("PYTORCH") || k.contains("djl") || k.contains("LD_PRELOAD")) {
                System.out.println("  " + k + "=" + p.getValue());
            }
        }

        Path config = model == null ? sinkscope.model.BundledModel.path().resolve("config.json")
                : Files.isDirectory(model) ? model.resolve("config.json") : model;
        if (!Files.isRegularFile(config)) {
            problems.add(config + ": no such config file");
        } else {
            ModelConfig c = sinkscope.model.auto.Families.config(config);
            long params = c.parameterCount();
            DataType dtype = device != null ? Torch.defaultDtype(device) : DataType.FLOAT16;
            long weights = DeviceCheck.weightBytes(params, dtype);
            System.out.printf("model: %s: %,d parameters; weights fp32 %s, fp16 %s (stored as %s)%n", config, params,
                    gib(DeviceCheck.weightBytes(params, DataType.FLOAT32)), gib(DeviceCheck.weightBytes(params, DataType.FLOAT16)), c.torchDtype());
            if (device != null && device.isGpu()) {
                DeviceCheck.GpuMemory mem = DeviceCheck.memory(device);
                if (mem == null) {
                    System.out.println("  fit: memory of " + deviceName + " unknown: not checked");
                } else {
                    try {
                        DeviceCheck.requireFits(deviceName, mem, weights, config.getParent().toString());
                        System.out.printf("  fit: %s weights %s (%s with headroom) fit %s free of %s on %s%n", dtype == DataType.FLOAT16 ? "fp16" : "fp32",
                                gib(weights), gib(DeviceCheck.needed(weights)), gib(mem.free()), gib(mem.total()), deviceName);
                    } catch (DeviceCheck.DeviceException x) {
                        System.out.println("  fit: " + x.getMessage());
                        problems.add(x.getMessage());
                    }
                }
            } else if (device != null) {
                System.out.printf("  fit: on the CPU, fp32 weights %s against host memory %s%n", gib(weights), hostMemory());
            }
        }
        if (problems.isEmpty()) {
            System.out.println("doctor: ok");
            return Main.OK;
        }
        for (String p : problems) {
            System.out.println("problem: " + p);
        }
        System.out.println("doctor: " + problems.size() + " problem(s)");
        return Main.FAILED;
    }

    private static String env(String name) {
        String v = System.getenv(name);
        return v == null ? "(unset)" : v;
    }

    private static String hostMemory() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8)) {
                if (l.startsWith("MemTotal:")) {
                    return gib(Long.parseLong(l.replaceAll("\\D", "")) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "unknown";
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
