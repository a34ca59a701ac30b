package sinkscope.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Whether the engine creates and computes a dtype on a device, tried in a child JVM: DJL's PyTorch JNI ends the whole
 * process ({@code std::terminate}) on a dtype it does not map, bfloat16 among them (0.35.1 and 0.36.0), so the only safe
 * probe is one whose death is not ours. The child ({@link #main}) creates a [64, 64] array of the dtype from raw
 * little-endian bytes (as a safetensors tensor is loaded), converts an fp32 array with {@code toType}, multiplies the
 * two, converts the product back to fp32 and compares it with the fp32 product; it prints one line
 * {@code ok max_rel_err=...} or {@code fail <message>} and exits 0 or 1.
 */
public final class DtypeProbe {
    private DtypeProbe() {}

    /** The outcome for one dtype: {@code works} and a one-line detail (error, exit status, or the error of the product). */
    public record Result(String dtype, boolean works, String detail) {}

    private static final int N = 64;

    /** Child entry point: {@code DtypeProbe fp32|fp16|bf16 cpu|cuda:N}. */
    public static void main(String[] args) {
        String line;
        int code;
        try {
            line = "ok " + run(args[0], args[1]);
            code = 0;
        } catch (RuntimeException | LinkageError e) {
            line = "fail " + e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).replace('\n', ' ');
            code = 1;
        }
        System.out.println("probe: " + line);
        System.out.flush();
        System.exit(code);
    }

    static DataType engineType(String dtype) {
        return switch (dtype) {
            case "fp32" -> DataType.FLOAT32;
            case "fp16" -> DataType.FLOAT16;
            case "bf16" -> DataType.BFLOAT16;
            default -> throw new IllegalArgumentException("probe dtype fp32, fp16 or bf16, got " + dtype);
        };
    }

    private static String run(String dtype, String deviceName) {
        Torch.configure(1);
        DataType t = engineType(dtype);
        Device device = Torch.parseDevice(deviceName);
        float[] a = new float[N * N];
        float[] b = new float[N * N];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) Math.sin(i * 0.37) ;
            b[i] = (float) Math.cos(i * 0.11);
        }
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray x = m.create(bytes(a, t), new Shape(N, N), t); // from raw bytes, as a checkpoint tensor
            NDArray y = m.create(b, new Shape(N, N)).toType(t, false);
            NDArray got = x.matMul(y).toType(DataType.FLOAT32, false);
            float[] p = got.toFloatArray();
            float[] want = m.create(a, new Shape(N, N)).matMul(m.create(b, new Shape(N, N))).toFloatArray();
            double err = 0;
            double scale = 0;
            for (int i = 0; i < p.length; i++) {
                err = Math.max(err, Math.abs(p[i] - want[i]));
                scale = Math.max(scale, Math.abs(want[i]));
            }
            return String.format(Locale.ROOT, "max_rel_err=%.2e", err / scale);
        }
    }

    /** The raw little-endian bytes of {@code v} in dtype {@code t} (fp32, fp16, bf16 by truncation to nearest even). */
    static ByteBuffer bytes(float[] v, DataType t) {
        ByteBuffer out = ByteBuffer.allocateDirect(v.length * t.getNumOfBytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            switch (t) {
                case FLOAT32 -> out.putFloat(f);
                case FLOAT16 -> out.putShort(floatToHalf(f));
                case BFLOAT16 -> {
                    int bits = Float.floatToRawIntBits(f);
                    out.putShort((short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16));
                }
                default -> throw new IllegalArgumentException("no bytes for " + t);
            }
        }
        return out.flip();
    }

    /** float to IEEE binary16, round to nearest (normal range; the probe's values are within [-64, 64]). */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = bits & 0x7fffff;
        if (exp <= 0) {
            return (short) sign; // flush tiny values to zero
        }
        int half = sign | (exp << 10) | (mant >>> 13);
        if ((mant & 0x1fff) > 0x1000 || ((mant & 0x1fff) == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) half;
    }

    /**
     * Runs the probe for each dtype on {@code device} in a child JVM of this JVM's java, class path and engine settings
     * ({@code PYTORCH_*} from the environment, {@code ai.djl.*} system properties); each gets {@code timeoutSeconds}.
     */
    public static List<Result> probe(List<String> dtypes, String device, int timeoutSeconds) {
        List<Result> out = new ArrayList<>();
        for (String d : dtypes) {
            out.add(probeOne(d, device, timeoutSeconds));
        }
        return out;
    }

    private static Result probeOne(String dtype, String device, int timeoutSeconds) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.startsWith("ai.djl.") && !k.startsWith("ai.djl.pytorch.num_")) {
                cmd.add("-D" + k + "=" + System.getProperty(k));
            }
        }
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(DtypeProbe.class.getName());
        cmd.add(dtype);
        cmd.add(device);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] bytes = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(dtype, false, "probe timed out after " + timeoutSeconds + " s");
            }
            String all = new String(bytes, StandardCharsets.UTF_8);
            String verdict = null;
            String last = "";
            for (String l : all.split("\n")) {
                if (l.startsWith("probe: ")) {
                    verdict = l.substring(7).trim();
                } else if (!l.isBlank() && !l.startsWith("SLF4J") && !l.contains(" INFO ") && !l.contains(" WARN ")) {
                    last = l.trim();
                }
            }
            int code = p.exitValue();
            if (verdict != null && verdict.startsWith("ok ")) {
                return new Result(dtype, true, verdict.substring(3));
            }
            if (verdict != null) {
                return new Result(dtype, false, verdict.substring(5));
            }
            String how = code == 134 ? "the JVM aborted (SIGABRT, exit 134)" : code > 128 ? "the JVM died on signal " + (code - 128) : "exit " + code;
            return new Result(dtype, false, how + (last.isEmpty() ? "" : ": " + last));
        } catch (IOException e) {
            return new Result(dtype, false, "cannot start a child JVM: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(dtype, false, "interrupted");
        }
    }

    /** This JVM's class path plus the jar or folder this class came from (spark-submit loads the app jar separately). */
    static String classPath() {
        String cp = System.getProperty("java.class.path", "");
        try {
            String self = Path.of(DtypeProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            if (!List.of(cp.split(File.pathSeparator)).contains(self)) {
                cp = self + (cp.isEmpty() ? "" : File.pathSeparator + cp);
            }
        } catch (Exception e) {
            // keep java.class.path
        }
        return cp;
    }
}
