package sinkscope.model;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a {@code .safetensors} file (the layout {@link SafeTensors} reads), header padded with spaces to a
 * multiple of 8 bytes, {@code __metadata__ = {"format": "pt"}}, tensors in the order they were added.
 */
public final class SafeTensorsWriter {
    private record Item(String name, DType dtype, long[] shape, byte[] data) {}

    private final List<Item> items = new ArrayList<>();

    /** Adds a copy of {@code array} (its dtype and shape as they are). */
    public SafeTensorsWriter add(String name, NDArray array) {
        ByteBuffer bb = array.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        byte[] data = new byte[bb.remaining()];
        bb.get(data);
        return add(name, DType.of(array.getDataType()), array.getShape().getShape(), data);
    }

    public SafeTensorsWriter add(String name, float[] values, long... shape) {
        ByteBuffer bb = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(values);
        return add(name, DType.F32, shape, bb.array());
    }

    public SafeTensorsWriter add(String name, long[] values, long... shape) {
        ByteBuffer bb = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        bb.asLongBuffer().put(values);
        return add(name, DType.I64, shape, bb.array());
    }

    public SafeTensorsWriter addU8(String name, byte[] values, long... shape) {
        return add(name, DType.U8, shape, values.clone());
    }

    public SafeTensorsWriter add(String name, DType dtype, long[] shape, byte[] littleEndianData) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n * dtype.bytes() != littleEndianData.length) {
            throw new IllegalArgumentException("tensor '" + name + "': " + littleEndianData.length + " bytes for " + dtype + " "
                    + java.util.Arrays.toString(shape));
        }
        items.add(new Item(name, dtype, shape.clone(), littleEndianData));
        return this;
    }

    public void write(Path file) throws IOException {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "pt");
        header.add("__metadata__", meta);
        long offset = 0;
        for (Item it : items) {
            JsonObject e = new JsonObject();
            e.addProperty("dtype", it.dtype.name());
            JsonArray shape = new JsonArray();
            for (long d : it.shape) {
                shape.add(d);
            }
            e.add("shape", shape);
            JsonArray offs = new JsonArray();
            offs.add(offset);
            offs.add(offset + it.data.length);
            e.add("data_offsets", offs);
            header.add(it.name, e);
            offset += it.data.length;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        java.util.Arrays.fill(headerBytes, (byte) ' ');
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (Item it : items) {
                out.write(it.data);
            }
        }
    }
}
