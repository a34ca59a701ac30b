package sinkscope.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Locale;

/**
 * Engine settings in one place: DJL offline, libtorch's thread pools, device and dtype names.
 *
 * <p>Thread counts must be set before the engine loads (the first NDManager), so entry points call
 * {@link #configure(int)} first. Intra-op threads default to the cores available, inter-op threads to 1
 * (measured on 2 cores: a 616x1024x1024 GEMM runs at ~181 GFLOP/s that way and ~124 with libtorch's defaults).
 */
public final class Torch {
    private Torch() {}

    /** Sets DJL offline and libtorch's thread counts unless already set by -D flags. */
    public static void configure(int intraOpThreads) {
        setIfAbsent("ai.djl.offline", "true");
        int threads = intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
        setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(threads));
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        setIfAbsent("ai.djl.default_engine", "PyTorch");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * {@code torch.narrow}: the view of {@code a} holding {@code [start, end)} along {@code axis} (writes go through to
     * {@code a}). One native call on the PyTorch engine, a fraction of what a general index or a split costs (what
     * counts for hooks that run per layer and decode step); other engines take the general index.
     */
    public static NDArray narrow(NDArray a, int axis, long start, long end) {
        if (a instanceof PtNDArray pt) {
            return JniUtils.slice(pt, axis, start, end, 1);
        }
        return a.get(new NDIndex().addAllDim(axis).addSliceDim(start, end));
    }

    /**
     * {@code torch.split(a, sizes, axis)}: views of the consecutive pieces of lengths {@code sizes} along {@code axis}
     * (they must add up to its length). One native call for all the pieces on the PyTorch engine (a narrow per piece
     * would be one each); other engines take the general split.
     */
    public static NDList split(NDArray a, int axis, long... sizes) {
        if (a instanceof PtNDArray pt) {
            return JniUtils.split(pt, sizes, axis);
        }
        long[] at = new long[sizes.length - 1];
        for (int i = 0; i + 1 < sizes.length; i++) {
            at[i] = (i == 0 ? 0 : at[i - 1]) + sizes[i];
        }
        return a.split(at, axis);
    }

    /** The transposed view {@code a^T} of a matrix (one native call; shares {@code a}'s memory). */
    public static NDArray transposeView(NDArray a) {
        return a.transpose(1, 0);
    }

    /**
     * {@code target[..., start:start+n, ...] = value} along {@code axis} ({@code n} = the value's length there), in place:
     * one native call ({@code Tensor.index_put_} with slices) on the PyTorch engine.
     */
    public static void write(NDArray target, NDArray value, int axis, long start) {
        long[] shape = target.getShape().getShape();
        long[] from = new long[shape.length];
        long[] to = shape.clone();
        long[] step = new long[shape.length];
        java.util.Arrays.fill(step, 1);
        from[axis] = start;
        to[axis] = start + value.getShape().get(axis);
        if (target instanceof PtNDArray pt && value instanceof PtNDArray pv) {
            JniUtils.indexSet(pt, pv, from, to, step);
        } else {
            NDIndex index = new NDIndex();
            for (int i = 0; i < shape.length; i++) {
                index.addSliceDim(from[i], to[i]);
            }
            target.set(index, value);
        }
    }

    /** {@code softmax(x, axis)} computed and returned in float32 whatever {@code x}'s dtype (one call: torch's {@code softmax(dim, dtype)}). */
    public static NDArray softmax32(NDArray x, int axis) {
        if (x.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32 && x instanceof PtNDArray pt) {
            return JniUtils.softmax(pt, axis, ai.djl.ndarray.types.DataType.FLOAT32);
        }
        NDArray wide = x.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32 ? x : x.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        return wide.softmax(axis);
    }

    /**
     * The device {@code cpu}, {@code cuda}, {@code cuda:N} or {@code gpu:N}, checked: a GPU must be usable by the loaded
     * libtorch ({@link DeviceCheck#require}), else a {@link DeviceCheck.DeviceException} names why; never a silent CPU.
     */
    public static Device device(String name) {
        return DeviceCheck.require(parseDevice(name));
    }

    /** Parses {@code cpu}, {@code cuda}, {@code cuda:N} or {@code gpu:N} without checking that it can be used. */
    public static Device parseDevice(String name) {
        String s = name.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        if (s.equals("cuda") || s.equals("gpu")) {
            return Device.gpu(0);
        }
        if (s.startsWith("cuda:") || s.startsWith("gpu:")) {
            try {
                return Device.gpu(Integer.parseInt(s.substring(s.indexOf(':') + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad device '" + name + "': expected cpu, cuda or cuda:N");
            }
        }
        throw new IllegalArgumentException("bad device '" + name + "': expected cpu, cuda or cuda:N");
    }

    /**
     * Parses a compute dtype: {@code fp32}/{@code float32} or {@code fp16}/{@code float16}. {@code bf16} is refused
     * with the reason: DJL's PyTorch JNI (0.35.1 and 0.36.0, measured) has no bfloat16 (creating one aborts the JVM);
     * bf16 checkpoints still load (widened to fp32 exactly) and can run in fp16 on a GPU.
     */
    public static DataType dtype(String name) {
        String s = name.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "fp32", "float32", "f32" -> DataType.FLOAT32;
            case "fp16", "float16", "f16", "half" -> DataType.FLOAT16;
            case "bf16", "bfloat16" -> throw new IllegalArgumentException("dtype bf16 is not available: DJL's PyTorch JNI (0.36.0) has no "
                    + "bfloat16 (creating one aborts the process); bf16 checkpoints load as fp32, use --dtype fp16 on a GPU");
            default -> throw new IllegalArgumentException("bad dtype '" + name + "': expected fp32 or fp16");
        };
    }

    /** The default compute dtype for a device: fp16 on a GPU, fp32 on the CPU. */
    public static DataType defaultDtype(Device device) {
        return device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
    }
}
