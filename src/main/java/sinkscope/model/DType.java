package sinkscope.model;

import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The safetensors element types SinkScope reads and writes, and how each maps onto the engine.
 *
 * <p>DJL's PyTorch JNI (0.35.1 and 0.36.0) has no {@code bfloat16} or {@code int16} (creating such an array aborts the
 * process), so those are widened on load: {@code bf16 -> f32} is exact ({@code bits << 16}) and so is
 * {@code i16 -> i32}.
 */
public enum DType {
    F64(8, DataType.FLOAT64),
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.FLOAT32),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    I16(2, DataType.INT32),
    I8(1, DataType.INT8),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    private final int bytes;
    private final DataType engineType;

    DType(int bytes, DataType engineType) {
        this.bytes = bytes;
        this.engineType = engineType;
    }

    public int bytes() {
        return bytes;
    }

    /** The DJL type an array of this dtype is created with. */
    public DataType engineType() {
        return engineType;
    }

    /** Parses a safetensors dtype name; {@code null} when unknown. */
    public static DType parse(String s) {
        for (DType d : values()) {
            if (d.name().equals(s)) {
                return d;
            }
        }
        return null;
    }

    /** The safetensors dtype of an engine array. */
    public static DType of(DataType t) {
        return switch (t) {
            case FLOAT64 -> F64;
            case FLOAT32 -> F32;
            case FLOAT16 -> F16;
            case INT64 -> I64;
            case INT32 -> I32;
            case INT8 -> I8;
            case UINT8 -> U8;
            case BOOLEAN -> BOOL;
            default -> throw new IllegalArgumentException("no safetensors dtype for " + t);
        };
    }

    /** Raw little-endian bytes of {@code n} elements, converted where the engine type differs. */
    ByteBuffer toEngineBuffer(ByteBuffer raw, long n) {
        int count = Math.toIntExact(n);
        if (this == BF16) {
            ByteBuffer out = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.nativeOrder());
            for (int i = 0; i < count; i++) {
                out.putInt((raw.getShort(i * 2) & 0xffff) << 16);
            }
            return out.flip();
        }
        if (this == I16) {
            ByteBuffer out = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.nativeOrder());
            for (int i = 0; i < count; i++) {
                out.putInt(raw.getShort(i * 2));
            }
            return out.flip();
        }
        return raw;
    }

    /** IEEE 754 binary16 to float (Java 17 has no {@code Float.float16ToFloat}). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant / 1024f / 16384f; // subnormal: mant * 2^-24
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
