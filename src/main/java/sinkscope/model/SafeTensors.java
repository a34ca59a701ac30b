package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reader of one {@code .safetensors} file: an 8-byte little-endian header length {@code n}, {@code n} bytes of
 * JSON ({@code name -> {dtype, shape, data_offsets: [begin, end)}}, offsets relative to the end of the header),
 * then raw little-endian data.
 *
 * <p>Offsets are 64-bit and each tensor is memory-mapped on its own, so shards of any size work (only a single
 * tensor must stay under 2 GiB, which holds for every LLaVA/LLaMA weight). Every inconsistency of the header
 * is reported with the file and the tensor's name. Pickle checkpoints are refused elsewhere ({@link Checkpoint}).
 */
public final class SafeTensors implements AutoCloseable {
    /** Largest header accepted (the format's own limit is 100 MB). */
    static final long MAX_HEADER_BYTES = 100L << 20;

    /** One tensor's header entry. {@code begin}/{@code end} are absolute file offsets. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        public Shape djlShape() {
            return new Shape(shape);
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafeTensors(Path file, FileChannel channel, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates the header of {@code file}; the data is mapped lazily, tensor by tensor. */
    public static SafeTensors open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw CheckpointException.of(file, "cannot open: " + e.getMessage());
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw CheckpointException.of(file, "truncated safetensors header: file has " + size + " bytes, needs at least 8");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.flip().getLong();
            if (n <= 0 || n > MAX_HEADER_BYTES) {
                throw CheckpointException.of(file, "bad safetensors header length " + Long.toUnsignedString(n) + " (not a safetensors file?)");
            }
            if (8 + n > size) {
                throw CheckpointException.of(file, "truncated safetensors header: header says " + n + " bytes, file has " + (size - 8) + " after the length");
            }
            ByteBuffer json = ByteBuffer.allocate((int) n);
            readFully(ch, json, 8);
            String text = new String(json.array(), StandardCharsets.UTF_8);
            JsonObject header;
            try {
                header = JsonParser.parseString(text).getAsJsonObject();
            } catch (RuntimeException e) {
                throw CheckpointException.of(file, "safetensors header is not a JSON object: " + e.getMessage());
            }
            long dataStart = 8 + n;
            long dataSize = size - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    if (e.getValue().isJsonObject()) {
                        for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                            metadata.put(m.getKey(), m.getValue().isJsonPrimitive() ? m.getValue().getAsString() : m.getValue().toString());
                        }
                    }
                    continue;
                }
                try {
                    entries.put(e.getKey(), parseEntry(file, e.getKey(), e.getValue(), dataStart, dataSize));
                } catch (CheckpointException ex) {
                    throw ex;
                } catch (RuntimeException ex) {
                    // Gson type mismatches (e.g. a string shape) and shape products that overflow a long
                    throw CheckpointException.tensor(file, e.getKey(), "malformed header entry " + e.getValue() + ": " + ex.getMessage());
                }
            }
            return new SafeTensors(file, ch, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            closeQuietly(ch);
            throw CheckpointException.of(file, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static Entry parseEntry(Path file, String name, JsonElement value, long dataStart, long dataSize) {
        if (!value.isJsonObject()) {
            throw CheckpointException.tensor(file, name, "header entry is not an object");
        }
        JsonObject o = value.getAsJsonObject();
        if (!o.has("dtype") || !o.has("shape") || !o.has("data_offsets")) {
            throw CheckpointException.tensor(file, name, "header entry needs dtype, shape and data_offsets");
        }
        DType dtype = DType.parse(o.get("dtype").getAsString());
        if (dtype == null) {
            throw CheckpointException.tensor(file, name, "unsupported dtype '" + o.get("dtype").getAsString() + "'");
        }
        var shapeJson = o.getAsJsonArray("shape");
        long[] shape = new long[shapeJson.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeJson.get(i).getAsLong();
            if (shape[i] < 0) {
                throw CheckpointException.tensor(file, name, "negative dimension in shape " + shapeJson);
            }
            numel = Math.multiplyExact(numel, shape[i]);
        }
        var offsets = o.getAsJsonArray("data_offsets");
        if (offsets.size() != 2) {
            throw CheckpointException.tensor(file, name, "data_offsets must have two entries");
        }
        long begin = offsets.get(0).getAsLong();
        long end = offsets.get(1).getAsLong();
        if (begin < 0 || end < begin) {
            throw CheckpointException.tensor(file, name, "bad data_offsets [" + begin + ", " + end + "]");
        }
        if (end > dataSize) {
            throw CheckpointException.tensor(file, name, "data_offsets end " + end + " lies past the end of the data (" + dataSize
                    + " bytes): file truncated?");
        }
        long expected = Math.multiplyExact(numel, dtype.bytes());
        if (end - begin != expected) {
            throw CheckpointException.tensor(file, name, "holds " + (end - begin) + " bytes but " + dtype + " " + java.util.Arrays.toString(shape)
                    + " needs " + expected);
        }
        return new Entry(name, dtype, shape, dataStart + begin, dataStart + end);
    }

    public Path file() {
        return file;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The header entry of {@code name}; a missing tensor is an error naming the file and the tensor. */
    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw CheckpointException.tensor(file, name, "missing");
        }
        return e;
    }

    /** The raw little-endian bytes of {@code name}, memory-mapped (read-only). */
    public ByteBuffer bytes(String name) {
        Entry e = entry(name);
        long len = e.end - e.begin;
        if (len > Integer.MAX_VALUE) {
            throw CheckpointException.tensor(file, name, "a single tensor over 2 GiB is not supported (" + len + " bytes)");
        }
        if (len == 0) {
            return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, e.begin, len).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException ex) {
            throw CheckpointException.tensor(file, name, "cannot map bytes [" + e.begin + ", " + e.end + "): " + ex.getMessage());
        }
    }

    /**
     * Loads {@code name} into {@code manager}. A tensor the engine holds as stored shares memory with the file's
     * read-only mapping (DJL wraps the direct buffer, no copy): never rewrite it in place, which kills the JVM with
     * SIGSEGV; {@code duplicate()} it first. Types the engine cannot hold ({@code BF16}, {@code I16}) are widened to
     * {@code float32} / {@code int32} exactly, into fresh memory.
     */
    public NDArray load(NDManager manager, String name) {
        Entry e = entry(name);
        ByteBuffer raw = bytes(name);
        ByteBuffer data = e.dtype.toEngineBuffer(raw, e.numel());
        DataType dt = e.dtype.engineType();
        if (e.numel() == 0) {
            return manager.create(new Shape(e.shape), dt);
        }
        return manager.create(data, new Shape(e.shape), dt);
    }

    /** {@code name} as float32 values, whatever its floating-point dtype (for tests and tools). */
    public float[] floats(String name) {
        Entry e = entry(name);
        ByteBuffer raw = bytes(name);
        int n = Math.toIntExact(e.numel());
        float[] out = new float[n];
        switch (e.dtype) {
            case F32 -> raw.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) raw.getDouble(i * 8);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = DType.halfToFloat(raw.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((raw.getShort(i * 2) & 0xffff) << 16);
                }
            }
            default -> throw CheckpointException.tensor(file, name, "dtype " + e.dtype + " is not floating point");
        }
        return out;
    }

    /** {@code name} as long values, for integer dtypes (I64, I32, I16, I8, U8, BOOL). */
    public long[] longs(String name) {
        Entry e = entry(name);
        ByteBuffer raw = bytes(name);
        int n = Math.toIntExact(e.numel());
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (e.dtype) {
                case I64 -> raw.getLong(i * 8);
                case I32 -> raw.getInt(i * 4);
                case I16 -> raw.getShort(i * 2);
                case I8 -> raw.get(i);
                case U8, BOOL -> raw.get(i) & 0xff;
                default -> throw CheckpointException.tensor(file, name, "dtype " + e.dtype + " is not an integer type");
            };
        }
        return out;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** Whether {@code file} looks like a safetensors file (used to refuse pickle early with a clear message). */
    public static boolean isSafeTensors(Path file) {
        return Files.isRegularFile(file) && file.getFileName().toString().endsWith(".safetensors");
    }
}
