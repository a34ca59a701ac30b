package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    /** A raw file: 8-byte little-endian header length, the JSON header, then {@code data}. */
    private Path raw(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = tmp.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private static void assertNames(CheckpointException e, Path file, String tensor) {
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        if (tensor != null) {
            assertTrue(e.getMessage().contains("'" + tensor + "'"), "names the tensor: " + e.getMessage());
        }
    }

    @Test
    void roundTripOfEachDtype() throws IOException {
        float[] f32 = {1.5f, -2.25f, 3e-8f, Float.MAX_VALUE, -0.0f, 7f};
        long[] i64 = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 1L << 40};
        byte[] u8 = {0, 1, (byte) 127, (byte) 128, (byte) 255, 42};
        // F16 bits: 1.0 (0x3C00), -2.0 (0xC000), 65504 (0x7BFF), smallest subnormal 2^-24 (0x0001), 0.5 (0x3800), -0 (0x8000)
        short[] f16 = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x3800, (short) 0x8000};
        float[] f16Values = {1.0f, -2.0f, 65504f, (float) Math.pow(2, -24), 0.5f, -0.0f};
        Path f = tmp.resolve("all.safetensors");
        new SafeTensorsWriter()
                .add("f32", f32, 2, 3)
                .add("i64", i64, 6)
                .addU8("u8", u8, 3, 2)
                .add("f16", DType.F16, new long[] {6}, le(f16))
                .write(f);
        try (SafeTensors st = SafeTensors.open(f); NDManager manager = NDManager.newBaseManager()) {
            assertEquals("pt", st.metadata().get("format"));
            assertArrayEquals(f32, st.floats("f32"));
            assertArrayEquals(new long[] {2, 3}, st.entry("f32").shape());
            assertArrayEquals(i64, st.longs("i64"));
            long[] u8back = st.longs("u8");
            for (int i = 0; i < u8.length; i++) {
                assertEquals(u8[i] & 0xff, u8back[i]);
            }
            assertArrayEquals(f16Values, st.floats("f16"));

            NDArray a = st.load(manager, "f32");
            assertEquals(new Shape(2, 3), a.getShape());
            assertArrayEquals(f32, a.toFloatArray());
            NDArray l = st.load(manager, "i64");
            assertEquals(DataType.INT64, l.getDataType());
            assertArrayEquals(i64, l.toLongArray());
            NDArray h = st.load(manager, "f16");
            assertEquals(DataType.FLOAT16, h.getDataType());
            assertArrayEquals(f16Values, h.toType(DataType.FLOAT32, false).toFloatArray());

            Path again = tmp.resolve("again.safetensors");
            new SafeTensorsWriter().add("f32", a).add("u8", st.load(manager, "u8")).write(again);
            try (SafeTensors st2 = SafeTensors.open(again)) {
                assertArrayEquals(f32, st2.floats("f32"));
                assertEquals(DType.U8, st2.entry("u8").dtype());
                assertArrayEquals(u8back, st2.longs("u8"));
            }
        }
    }

    @Test
    void bf16IsWidenedToFloat32Exactly() throws IOException {
        float[] values = {1.0f, -3.5f, Float.intBitsToFloat(0x70A30000), Float.intBitsToFloat(0x8D110000), 0.15625f,
            Float.intBitsToFloat(0x7F7F0000)};
        short[] bits = new short[values.length];
        for (int i = 0; i < values.length; i++) {
            int b = Float.floatToIntBits(values[i]);
            assertEquals(0, b & 0xffff, "test value " + values[i] + " is representable in bf16");
            bits[i] = (short) (b >>> 16);
        }
        Path f = tmp.resolve("bf16.safetensors");
        new SafeTensorsWriter().add("w", DType.BF16, new long[] {2, 3}, le(bits)).write(f);
        try (SafeTensors st = SafeTensors.open(f); NDManager manager = NDManager.newBaseManager()) {
            assertArrayEquals(values, st.floats("w"));
            NDArray a = st.load(manager, "w");
            assertEquals(DataType.FLOAT32, a.getDataType());
            assertEquals(new Shape(2, 3), a.getShape());
            assertArrayEquals(values, a.toFloatArray());
        }
    }

    /** A sparse file whose only tensor lies past 4 GiB: 64-bit offsets, no int truncation. */
    @Test
    void tensorPastFourGibInASparseFile() throws IOException {
        long offset = (5L << 30) + 4;
        float[] values = {3.25f, -1.5f, 1e20f, 42f};
        String header = "{\"far\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + offset + "," + (offset + 16) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = tmp.resolve("sparse.safetensors");
        try {
            try (RandomAccessFile file = new RandomAccessFile(f.toFile(), "rw")) {
                file.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
                file.write(h);
                long start = 8 + h.length + offset;
                file.setLength(start + 16);
                file.seek(start);
                ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                data.asFloatBuffer().put(values);
                file.write(data.array());
            }
            try (SafeTensors st = SafeTensors.open(f)) {
                assertEquals(8 + h.length + offset, st.entry("far").begin());
                assertArrayEquals(values, st.floats("far"));
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Test
    void truncatedHeaderNamesTheFile() throws IOException {
        Path f = tmp.resolve("short.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertNames(assertThrows(CheckpointException.class, () -> SafeTensors.open(f)), f, null);
    }

    @Test
    void headerLengthLargerThanTheFile() throws IOException {
        Path f = tmp.resolve("long.safetensors");
        byte[] h = "{}".getBytes(StandardCharsets.UTF_8);
        Files.write(f, ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).putLong(4096).put(h).array());
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.open(f));
        assertNames(e, f, null);
        assertTrue(e.getMessage().contains("4096"), e.getMessage());
    }

    @Test
    void dataOffsetsPastTheEnd() throws IOException {
        Path f = raw("past.safetensors", "{\"t\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.open(f));
        assertNames(e, f, "t");
        assertTrue(e.getMessage().contains("past the end"), e.getMessage());
    }

    @Test
    void bytesNotMatchingDtypeTimesShape() throws IOException {
        Path f = raw("size.safetensors", "{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.open(f));
        assertNames(e, f, "t");
        assertTrue(e.getMessage().contains("needs 12"), e.getMessage());
    }

    @Test
    void unknownDtype() throws IOException {
        Path f = raw("dtype.safetensors", "{\"t\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.open(f));
        assertNames(e, f, "t");
        assertTrue(e.getMessage().contains("F8_E4M3"), e.getMessage());
    }

    @Test
    void malformedHeaderEntryNamesTheTensor() throws IOException {
        Path f = raw("shape.safetensors", "{\"t\":{\"dtype\":\"F32\",\"shape\":\"four\",\"data_offsets\":[0,4]}}", new byte[4]);
        assertNames(assertThrows(CheckpointException.class, () -> SafeTensors.open(f)), f, "t");
        Path g = raw("overflow.safetensors",
                "{\"t\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", new byte[4]);
        assertNames(assertThrows(CheckpointException.class, () -> SafeTensors.open(g)), g, "t");
    }

    @Test
    void missingTensor() throws IOException {
        Path f = tmp.resolve("one.safetensors");
        new SafeTensorsWriter().add("present", new float[] {1f}, 1).write(f);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertNames(assertThrows(CheckpointException.class, () -> st.floats("absent")), f, "absent");
            assertNames(assertThrows(CheckpointException.class, () -> st.entry("absent")), f, "absent");
        }
    }

    private static byte[] le(short[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : v) {
            b.putShort(s);
        }
        return b.array();
    }
}
