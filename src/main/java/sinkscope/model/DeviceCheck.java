package sinkscope.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fail fast on a device that cannot run the model, never fall back: a GPU device asked for on a CPU build of libtorch,
 * on a CUDA build that sees no device, a device index that does not exist, or weights that do not fit the device's
 * free memory. Each check throws a {@link DeviceException} whose message names the cause and what to do; it runs where
 * a model is put on a device ({@link Torch#device}, the Spark runner's constructor), so an executor stops before its
 * first sample.
 *
 * <p>What the engine offers is read from DJL's PyTorch engine: the libtorch version and folder it loaded
 * ({@code LibUtils}), whether libtorch itself reports CUDA ({@code torch::cuda::is_available()}, DJL's {@code CUDA}
 * capability), and DJL's device count (the CUDA runtime through JNA). Device memory comes from the CUDA runtime, else
 * from {@code nvidia-smi}.
 */
public final class DeviceCheck {
    private DeviceCheck() {}

    /** A device that cannot be used; the message says why and what to change. */
    public static final class DeviceException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public DeviceException(String message) {
            super(message);
        }

        public DeviceException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The engine as loaded.
     *
     * @param libtorchVersion libtorch's version ({@code 2.7.1})
     * @param flavor {@code cpu}, {@code cu128}, ...: {@code PYTORCH_FLAVOR} when set, else from the cache folder's name
     *     ({@code 2.7.1-20250812-cpu-linux-x86_64}), else {@code cuda} or {@code cpu} from the libraries in the folder
     * @param libraryPath the folder libtorch was loaded from
     * @param cudaBuild the folder holds libtorch's CUDA libraries ({@code libtorch_cuda.so})
     * @param cudaAvailable libtorch reports CUDA available ({@code torch::cuda::is_available()})
     * @param gpuCount devices DJL counts (CUDA runtime); 0 when it cannot tell
     * @param reason why CUDA is not available; null when it is
     */
    public record EngineInfo(String djlVersion, String libtorchVersion, String flavor, String libraryPath, boolean cudaBuild,
            boolean cudaAvailable, int gpuCount, String reason) {}

    /** Total and free memory of a GPU, in bytes; {@code source} says where the figures came from. */
    public record GpuMemory(long total, long free, String source) {}

    /** Loads the engine (if not loaded yet) and describes it. */
    public static EngineInfo engine() {
        Engine engine;
        try {
            engine = Engine.getEngine("PyTorch");
        } catch (RuntimeException | LinkageError e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String driver = String.valueOf(root.getMessage()).contains("libcuda.so")
                    ? " libcuda.so is the NVIDIA driver's library: a CUDA build of libtorch does not load on a machine without the driver ("
                            + driver() + ")."
                    : "";
            throw new DeviceException("the PyTorch engine does not load: " + e.getMessage() + " (" + e.getClass().getSimpleName()
                    + (root == e ? "" : "; cause: " + root) + ")." + driver + " " + noLibtorchHint(), e);
        }
        String version = engine.getVersion();
        String dir = libtorchPath();
        boolean cudaBuild = dir != null && (Files.exists(Path.of(dir, "libtorch_cuda.so")) || Files.exists(Path.of(dir, "libc10_cuda.so")));
        String flavor = flavor(dir, cudaBuild);
        boolean available = engine.hasCapability("CUDA");
        int count = available ? engine.getGpuCount() : 0;
        String reason = available ? null : unavailableReason(version, flavor, dir, cudaBuild);
        return new EngineInfo(djlVersion(), version, flavor, dir, cudaBuild, available, count, reason);
    }

    /** DJL's version, from its api jar; "unknown" when the jar carries none. */
    public static String djlVersion() {
        String v = Engine.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }

    private static String libtorchPath() {
        try {
            return ai.djl.pytorch.jni.LibUtils.getLibtorchPath();
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static final Pattern CACHE_DIR = Pattern.compile("\\d+\\.\\d+\\.\\d+(?:-[a-z0-9]+)*?-(cpu|cu\\d+)(-precxx11)?-(?:linux|osx|win)-[a-z0-9_]+");

    static String flavor(String dir, boolean cudaBuild) {
        String env = ai.djl.util.Utils.getEnvOrSystemProperty("PYTORCH_FLAVOR");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        if (dir != null) {
            Matcher m = CACHE_DIR.matcher(Path.of(dir).getFileName().toString());
            if (m.matches()) {
                return m.group(1) + (m.group(2) == null ? "" : m.group(2));
            }
        }
        return cudaBuild ? "cuda" : "cpu";
    }

    /** What DJL needs to find a libtorch (LibUtils: PYTORCH_LIBRARY_PATH, else a native jar, else a download when online). */
    static String noLibtorchHint() {
        String path = ai.djl.util.Utils.getEnvOrSystemProperty("PYTORCH_LIBRARY_PATH");
        if (path != null) {
            return "PYTORCH_LIBRARY_PATH=" + path + " must be a folder holding libtorch.so of version PYTORCH_VERSION ("
                    + ai.djl.util.Utils.getEnvOrSystemProperty("PYTORCH_VERSION", "unset") + ") with PYTORCH_FLAVOR cpu or cu128 (DJL 0.36.0's JNI "
                    + "flavors; now " + ai.djl.util.Utils.getEnvOrSystemProperty("PYTORCH_FLAVOR", "unset") + ")";
        }
        return "DJL looks for libtorch in PYTORCH_LIBRARY_PATH (unset), then in a pytorch-native jar on the class path, then downloads it"
                + (ai.djl.util.Utils.isOfflineMode() ? ", which ai.djl.offline=true forbids" : "")
                + ": set PYTORCH_LIBRARY_PATH/PYTORCH_VERSION=2.7.1/PYTORCH_FLAVOR=cu128 to an existing libtorch, or run online"
                + " (-Dai.djl.offline=false PYTORCH_FLAVOR=cu128), or use the CPU jar (mvn -Puber package); see docs/gpu.md";
    }

    private static String unavailableReason(String version, String flavor, String dir, boolean cudaBuild) {
        if (!cudaBuild) {
            return "the loaded libtorch " + version + " is the CPU build (flavor " + flavor + ", from " + dir + "); a GPU needs a CUDA build of"
                    + " libtorch " + version + ": set PYTORCH_LIBRARY_PATH to its lib folder with PYTORCH_VERSION=" + version
                    + " PYTORCH_FLAVOR=cu128, or let DJL fetch it (-Dai.djl.offline=false PYTORCH_FLAVOR=cu128) with no CPU native jar on"
                    + " the classpath (mvn -Puber,gpu package); see docs/gpu.md";
        }
        String driver = driver();
        String visible = System.getenv("CUDA_VISIBLE_DEVICES");
        return "libtorch " + version + " (" + flavor + ", from " + dir + ") is a CUDA build but reports no usable CUDA device: " + driver
                + (visible == null ? "" : "; CUDA_VISIBLE_DEVICES=" + (visible.isEmpty() ? "(empty: every device hidden)" : visible))
                + ". A driver older than the build's CUDA (cu128 needs driver >= 570) also looks like this";
    }

    /** The NVIDIA kernel driver's version line, or why there is none. */
    public static String driver() {
        Path proc = Path.of("/proc/driver/nvidia/version");
        if (!Files.isReadable(proc)) {
            return "no NVIDIA driver is loaded on this machine (" + proc + " is missing)";
        }
        try {
            String first = Files.readAllLines(proc, StandardCharsets.UTF_8).stream().findFirst().orElse("").trim();
            return "NVIDIA driver: " + first;
        } catch (IOException e) {
            return "NVIDIA driver present but " + proc + " unreadable: " + e.getMessage();
        }
    }

    /**
     * Checks that {@code device} can be used and returns it: always for the CPU; for a GPU, the engine must be a CUDA
     * build that reports CUDA, the index must exist, and a one-element array must be creatable on it.
     */
    public static Device require(Device device) {
        if (!device.isGpu()) {
            return device;
        }
        String name = "cuda:" + device.getDeviceId();
        EngineInfo e = engine();
        if (!e.cudaAvailable()) {
            throw new DeviceException(name + " asked for, but CUDA is not available: " + e.reason());
        }
        if (e.gpuCount() > 0 && device.getDeviceId() >= e.gpuCount()) {
            throw new DeviceException(name + " does not exist: " + e.gpuCount() + " CUDA device(s) visible (cuda:0"
                    + (e.gpuCount() > 1 ? "..cuda:" + (e.gpuCount() - 1) : "") + ")");
        }
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray x = m.ones(new Shape(1), DataType.FLOAT32);
            x.add(x).toFloatArray();
        } catch (RuntimeException ex) {
            throw new DeviceException(name + " cannot be used by libtorch " + e.libtorchVersion() + " (" + e.flavor() + "): " + ex.getMessage(), ex);
        }
        return device;
    }

    /** Bytes of {@code parameters} weights in {@code dtype}. */
    public static long weightBytes(long parameters, DataType dtype) {
        return parameters * dtype.getNumOfBytes();
    }

    /** Room a model needs beyond its weights: CUDA context, KV cache and activations of a prefill (1 GiB plus 10%). */
    public static long needed(long weightBytes) {
        return weightBytes + weightBytes / 10 + (1L << 30);
    }

    /**
     * Checks that weights of {@code weightBytes} fit {@code device}'s free memory with the headroom of {@link #needed};
     * nothing to check on the CPU, nor when the device's memory cannot be read (said on stderr).
     */
    public static void requireFits(Device device, long weightBytes, String model) {
        if (!device.isGpu()) {
            return;
        }
        GpuMemory mem = memory(device);
        if (mem == null) {
            System.err.println("warning: the memory of cuda:" + device.getDeviceId() + " cannot be read (no CUDA runtime through JNA, no"
                    + " nvidia-smi): not checked against the model's " + gib(weightBytes) + " of weights");
            return;
        }
        requireFits("cuda:" + device.getDeviceId(), mem, weightBytes, model);
    }

    /** The rule of {@link #requireFits(Device, long, String)} on given figures (tests, doctor). */
    public static void requireFits(String deviceName, GpuMemory mem, long weightBytes, String model) {
        long need = needed(weightBytes);
        if (need > mem.free()) {
            throw new DeviceException("the model does not fit " + deviceName + ": " + model + " needs " + gib(weightBytes) + " of weights ("
                    + gib(need) + " with activations and CUDA context), the device has " + gib(mem.free()) + " free of " + gib(mem.total())
                    + " (" + mem.source() + "); use a larger GPU, --dtype fp16, or free the device");
        }
    }

    /** Total and free memory of a GPU: the CUDA runtime (DJL, JNA), else nvidia-smi; null when neither answers. */
    public static GpuMemory memory(Device device) {
        try {
            java.lang.management.MemoryUsage u = ai.djl.util.cuda.CudaUtils.getGpuMemory(device);
            if (u.getMax() > 0) {
                return new GpuMemory(u.getMax(), u.getMax() - u.getCommitted(), "CUDA runtime");
            }
        } catch (RuntimeException | LinkageError e) {
            // no cudart through JNA: try nvidia-smi
        }
        for (String[] row : nvidiaSmi()) {
            if (row.length >= 4 && row[0].equals(Integer.toString(physicalIndex(device.getDeviceId())))) {
                try {
                    return new GpuMemory(Long.parseLong(row[2]) << 20, Long.parseLong(row[3]) << 20, "nvidia-smi");
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The physical index of CUDA device {@code id} under {@code CUDA_VISIBLE_DEVICES} (when it lists integers). */
    private static int physicalIndex(int id) {
        String visible = System.getenv("CUDA_VISIBLE_DEVICES");
        if (visible == null || visible.isBlank()) {
            return id;
        }
        String[] parts = visible.split(",");
        try {
            return id < parts.length ? Integer.parseInt(parts[id].trim()) : id;
        } catch (NumberFormatException e) {
            return id;
        }
    }

    /** {@code nvidia-smi}'s rows: index, name, total MiB, free MiB; empty when it is missing or fails. */
    public static List<String[]> nvidiaSmi() {
        List<String[]> rows = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=index,name,memory.total,memory.free", "--format=csv,noheader,nounits")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return rows;
            }
            for (String line : out.split("\n")) {
                if (!line.isBlank()) {
                    String[] f = line.split(",");
                    for (int i = 0; i < f.length; i++) {
                        f[i] = f[i].trim();
                    }
                    rows.add(f);
                }
            }
        } catch (IOException e) {
            return rows;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return rows;
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
