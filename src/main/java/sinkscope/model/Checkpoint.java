package sinkscope.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face checkpoint directory: {@code model.safetensors} or shards listed by
 * {@code model.safetensors.index.json}. Pickle weights ({@code *.bin}, {@code *.pt}) are never loaded.
 *
 * <p>A family names each weight by one canonical module path and gives the other names a checkpoint may store it
 * under (transformers renamed modules between releases: llava-hf's {@code language_model.model.*} became
 * {@code model.language_model.*}; released Qwen2-VL checkpoints use {@code model.*} and {@code visual.*}).
 */
public final class Checkpoint implements Weights, AutoCloseable {
    private final Path dir;
    private final Function<String, String[]> aliases;
    private final Map<String, SafeTensors> byTensor = new LinkedHashMap<>();
    private final Map<Path, SafeTensors> shards = new LinkedHashMap<>();

    private Checkpoint(Path dir, Function<String, String[]> aliases) {
        this.dir = dir;
        this.aliases = aliases;
    }

    /** {@code dir/config.json}, or an error naming the directory when it has none. */
    public static Path configFile(Path dir) {
        Path cfg = dir.resolve("config.json");
        if (!Files.isRegularFile(cfg)) {
            throw CheckpointException.of(dir, "no config.json: not a Hugging Face checkpoint directory");
        }
        return cfg;
    }

    /** Opens the weights of {@code dir}; {@code aliases} gives the other stored names of a canonical weight name. */
    public static Checkpoint open(Path dir, Function<String, String[]> aliases) {
        Checkpoint ck = new Checkpoint(dir, aliases);
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        try {
            if (Files.isRegularFile(index)) {
                ck.openIndex(index);
            } else if (Files.isRegularFile(single)) {
                ck.add(single, null);
            } else {
                throw CheckpointException.of(dir, "no model.safetensors or model.safetensors.index.json" + pickleHint(dir));
            }
        } catch (RuntimeException e) {
            ck.close();
            throw e;
        }
        return ck;
    }

    private static String pickleHint(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            String pickles = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth"))
                    .sorted().reduce((a, b) -> a + ", " + b).orElse("");
            return pickles.isEmpty() ? "" : "; found pickle weights (" + pickles + ") which are never loaded: convert them to safetensors, e.g."
                    + " per shard: python -c \"import sys,torch; from safetensors.torch import save_file; save_file({k: v.contiguous() for k, v in"
                    + " torch.load(sys.argv[1], map_location='cpu', weights_only=True).items()}, sys.argv[1].rsplit('.', 1)[0] + '.safetensors',"
                    + " metadata={'format': 'pt'})\" FILE.bin (and for shards write model.safetensors.index.json with the new file names)";
        } catch (IOException e) {
            return "";
        }
    }

    private void openIndex(Path index) {
        JsonObject root;
        try {
            root = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw CheckpointException.of(index, "cannot read shard index: " + e.getMessage());
        }
        if (!root.has("weight_map") || !root.get("weight_map").isJsonObject()) {
            throw CheckpointException.of(index, "field 'weight_map' is missing");
        }
        Map<Path, SafeTensors> opened = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("weight_map").entrySet()) {
            String shardName = e.getValue().getAsString();
            if (!shardName.endsWith(".safetensors")) {
                throw CheckpointException.of(index, "weight_map['" + e.getKey() + "'] = " + shardName + ": only safetensors shards are loaded, never pickle");
            }
            Path shard = dir.resolve(shardName).normalize();
            if (!shard.startsWith(dir.normalize())) {
                throw CheckpointException.of(index, "weight_map['" + e.getKey() + "'] points outside the checkpoint: " + shardName);
            }
            SafeTensors st = opened.computeIfAbsent(shard, p -> {
                if (!Files.isRegularFile(p)) {
                    throw CheckpointException.of(index, "shard " + shardName + " listed for '" + e.getKey() + "' does not exist");
                }
                SafeTensors s = SafeTensors.open(p);
                shards.put(p, s);
                return s;
            });
            if (!st.contains(e.getKey())) {
                throw CheckpointException.tensor(shard, e.getKey(), "listed in " + index.getFileName() + " but missing from the shard");
            }
            byTensor.put(e.getKey(), st);
        }
    }

    private void add(Path file, String only) {
        SafeTensors st = SafeTensors.open(file);
        shards.put(file, st);
        for (String name : st.entries().keySet()) {
            if (only == null || only.equals(name)) {
                byTensor.put(name, st);
            }
        }
    }

    public Path dir() {
        return dir;
    }

    /** Whether the checkpoint stores {@code name} under either layout. */
    @Override
    public boolean has(String name) {
        return resolve(name) != null;
    }

    /** Resolves a canonical module path to the name this checkpoint stores it under (null when absent). */
    public String resolve(String name) {
        if (byTensor.containsKey(name)) {
            return name;
        }
        for (String alt : aliases.apply(name)) {
            if (byTensor.containsKey(alt)) {
                return alt;
            }
        }
        return null;
    }

    /**
     * Loads weight {@code name} (canonical module path), checks its shape, converts it to {@code dtype} and moves it
     * to {@code device}. Missing or mis-shaped tensors are errors naming the file and the tensor.
     */
    @Override
    public NDArray load(NDManager manager, String name, DataType dtype, Device device, long... expectedShape) {
        String stored = resolve(name);
        if (stored == null) {
            throw CheckpointException.tensor(dir, name, "missing from the checkpoint (looked in " + shards.keySet().stream()
                    .map(p -> p.getFileName().toString()).reduce((a, b) -> a + ", " + b).orElse("no shards") + ")");
        }
        SafeTensors st = byTensor.get(stored);
        SafeTensors.Entry e = st.entry(stored);
        if (!Arrays.equals(e.shape(), expectedShape)) {
            throw CheckpointException.tensor(st.file(), stored, "shape " + Arrays.toString(e.shape()) + " does not match config.json, which implies "
                    + Arrays.toString(expectedShape));
        }
        if (e.dtype() != DType.F32 && e.dtype() != DType.F16 && e.dtype() != DType.BF16 && e.dtype() != DType.F64) {
            throw CheckpointException.tensor(st.file(), stored, "dtype " + e.dtype() + " is not a floating-point weight type (F32, F16, BF16)");
        }
        NDArray raw = st.load(manager, stored);
        NDArray typed = raw;
        if (raw.getDataType() != dtype) {
            typed = raw.toType(dtype, false);
            raw.close();
        }
        if (!typed.getDevice().equals(device)) {
            NDArray moved = typed.toDevice(device, false);
            typed.close();
            typed = moved;
        }
        return typed;
    }

    /** Bytes of all stored weights (as stored, before any dtype conversion). */
    public long storedBytes() {
        long n = 0;
        for (Map.Entry<String, SafeTensors> e : byTensor.entrySet()) {
            SafeTensors.Entry en = e.getValue().entry(e.getKey());
            n += en.end() - en.begin();
        }
        return n;
    }

    @Override
    public void close() {
        for (SafeTensors s : shards.values()) {
            s.close();
        }
        shards.clear();
        byTensor.clear();
    }
}
