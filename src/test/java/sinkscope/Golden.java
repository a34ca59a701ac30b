package sinkscope;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the golden data lives: the shared reference data in {@code ../shared/golden/} beside the checkout
 * ({@code llava-tiny-a}, {@code var-unit-a}, {@code reference-configs}; CI lays it there), the data this project
 * made in {@code src/test/resources/golden/} ({@code qwen2-vl-tiny-a}, {@code qwen2_5-vl-tiny-a}), or another directory of
 * the same layout given by {@code -Dsinkscope.golden.llava=DIR}, {@code -Dsinkscope.golden.var=DIR},
 * {@code -Dsinkscope.golden.qwen2vl=DIR}, {@code -Dsinkscope.golden.qwen25vl=DIR}.
 */
public final class Golden {
    private Golden() {}

    /** The llava-tiny-a layout: a llava-hf checkpoint with {@code manifest.json}, {@code tensors/}, {@code var/}. */
    public static Path llava() {
        return shared("sinkscope.golden.llava", "llava-tiny-a");
    }

    /** The var-unit-a layout: {@code manifest.json}, {@code inputs_*.safetensors}, {@code expected_*.safetensors}. */
    public static Path varUnit() {
        return shared("sinkscope.golden.var", "var-unit-a");
    }

    /** The reference configs (the real llava-1.5-7b-hf config.json). */
    public static Path referenceConfigs() {
        return shared("sinkscope.golden.configs", "reference-configs");
    }

    /** The qwen2-vl-tiny-a layout: a Qwen2-VL checkpoint with {@code manifest.json}, {@code tensors/}, {@code images/}. */
    public static Path qwen2Vl() {
        return dir("sinkscope.golden.qwen2vl", "golden/qwen2-vl-tiny-a");
    }

    /**
     * The qwen2_5-vl-tiny-a layout. Its tokenizer files live once, in qwen2-vl-tiny-a ({@code tokenizer_from} in the
     * manifest); {@link #qwen25VlCheckpoint} assembles the complete checkpoint directory.
     */
    public static Path qwen25Vl() {
        return dir("sinkscope.golden.qwen25vl", "golden/qwen2_5-vl-tiny-a");
    }

    /** qwen2_5-vl-tiny-a as a complete checkpoint: its files plus the tokenizer files it names, in {@code target/}. */
    public static synchronized Path qwen25VlCheckpoint() {
        return withTokenizer(qwen25Vl());
    }

    /** The qwen3-vl-tiny-a layout; its tokenizer.json is qwen2-vl-tiny-a's ({@code tokenizer_from}). */
    public static Path qwen3Vl() {
        return dir("sinkscope.golden.qwen3vl", "golden/qwen3-vl-tiny-a");
    }

    /** qwen3-vl-tiny-a as a complete checkpoint in {@code target/golden/}. */
    public static synchronized Path qwen3VlCheckpoint() {
        return withTokenizer(qwen3Vl());
    }

    /** A golden directory's files plus the tokenizer files its manifest's {@code tokenizer_from} names, in {@code target/golden/}. */
    private static Path withTokenizer(Path src) {
        Path dst = Path.of("target", "golden", src.getFileName().toString()).toAbsolutePath();
        try {
            Files.createDirectories(dst);
            try (var files = Files.list(src)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, dst.resolve(f.getFileName().toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            JsonObject manifest = manifest(src);
            Path from = manifest.has("tokenizer_from") ? src.resolve(manifest.getAsJsonObject("tokenizer_from").get("dir").getAsString()).normalize()
                    : qwen2Vl();
            if (!Files.isDirectory(from)) {
                from = qwen2Vl();
            }
            for (String f : new String[] {"tokenizer.json", "tokenizer_config.json", "chat_template.json", "special_tokens_map.json"}) {
                if (Files.isRegularFile(from.resolve(f)) && !Files.isRegularFile(src.resolve(f))) {
                    Files.copy(from.resolve(f), dst.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            for (String sub : new String[] {"tensors", "images"}) {
                Path link = dst.resolve(sub);
                if (!Files.exists(link) && Files.isDirectory(src.resolve(sub))) {
                    Files.createSymbolicLink(link, src.resolve(sub));
                }
            }
            return dst;
        } catch (IOException e) {
            throw new IllegalStateException("cannot assemble " + dst + " from " + src, e);
        }
    }

    /**
     * The llava-next-tiny-a layout (this project's data): a LLaVA-NeXT checkpoint without its tokenizer.json (that
     * of {@link #llava()}), {@code mistral/config.json}, {@code manifest.json}, {@code tensors/}, {@code images/}.
     */
    public static Path llavaNext() {
        return dir("sinkscope.golden.llavanext", "golden/llava-next-tiny-a");
    }

    /**
     * llava-next-tiny-a as a complete checkpoint in {@code target/golden/}: its files, llava-tiny-a's tokenizer.json,
     * and the config of {@code variant} ({@code llama}: config.json, {@code mistral}: mistral/config.json).
     */
    public static synchronized Path llavaNextCheckpoint(String variant) {
        Path src = llavaNext();
        Path dst = Path.of("target", "golden", "llava-next-tiny-a-" + variant).toAbsolutePath();
        try {
            Files.createDirectories(dst);
            try (var files = Files.list(src)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, dst.resolve(f.getFileName().toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (!variant.equals("llama")) {
                Files.copy(src.resolve(variant).resolve("config.json"), dst.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Files.copy(llava().resolve("tokenizer.json"), dst.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            for (String sub : new String[] {"tensors", "images"}) {
                Path link = dst.resolve(sub);
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, src.resolve(sub));
                }
            }
            return dst;
        } catch (IOException e) {
            throw new IllegalStateException("cannot assemble " + dst + " from " + src, e);
        }
    }

    /**
     * The internvl-tiny-a layout (this project's data): an InternVL "-hf" checkpoint without tokenizer.json (that of
     * {@link #qwen2Vl()}, manifest {@code tokenizer_from}), {@code manifest.json}, {@code tensors/}, {@code images/}.
     */
    public static Path internVl() {
        return dir("sinkscope.golden.internvl", "golden/internvl-tiny-a");
    }

    /** internvl3_5-tiny-a: the internvl-tiny-a layout for an InternVL3.5 "-HF" checkpoint (a Qwen3 decoder). */
    public static Path internVl35() {
        return dir("sinkscope.golden.internvl35", "golden/internvl3_5-tiny-a");
    }

    /** internvl-tiny-a as a complete checkpoint in {@code target/golden/}: its files plus qwen2-vl-tiny-a's tokenizer.json. */
    public static Path internVlCheckpoint() {
        return internVlCheckpoint(internVl());
    }

    /** An InternVL golden directory ({@link #internVl()}, {@link #internVl35()}) as a complete checkpoint in {@code target/golden/}. */
    public static synchronized Path internVlCheckpoint(Path src) {
        Path dst = Path.of("target", "golden", src.getFileName().toString()).toAbsolutePath();
        try {
            Files.createDirectories(dst);
            try (var files = Files.list(src)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, dst.resolve(f.getFileName().toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.copy(qwen2Vl().resolve("tokenizer.json"), dst.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            for (String sub : new String[] {"tensors", "images"}) {
                Path link = dst.resolve(sub);
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, src.resolve(sub));
                }
            }
            return dst;
        } catch (IOException e) {
            throw new IllegalStateException("cannot assemble " + dst + " from " + src, e);
        }
    }

    /**
     * A golden case by name, as the family tests list them ({@code llava-tiny-a}, {@code llava-next-tiny-a},
     * {@code llava-next-tiny-a/mistral}, {@code qwen2-vl-tiny-a}, {@code qwen2_5-vl-tiny-a}, {@code qwen3-vl-tiny-a},
     * {@code internvl-tiny-a}, {@code internvl3_5-tiny-a}): its golden directory, the complete checkpoint to load, and
     * the planted sink of its manifest (dims and the tau that separates them in this tiny model).
     */
    public record Case(String name, Path golden, Path checkpoint, JsonObject manifest, int[] sinkDims, double tau) {
        public static Case of(String name) {
            Path golden = switch (name) {
                case "llava-tiny-a" -> llava();
                case "llava-next-tiny-a", "llava-next-tiny-a/mistral" -> llavaNext();
                case "qwen2-vl-tiny-a" -> qwen2Vl();
                case "qwen2_5-vl-tiny-a" -> qwen25Vl();
                case "qwen3-vl-tiny-a" -> qwen3Vl();
                case "internvl-tiny-a" -> internVl();
                case "internvl3_5-tiny-a" -> internVl35();
                default -> throw new IllegalArgumentException("no golden case " + name);
            };
            Path checkpoint = switch (name) {
                case "llava-next-tiny-a" -> llavaNextCheckpoint("llama");
                case "llava-next-tiny-a/mistral" -> llavaNextCheckpoint("mistral");
                case "qwen2_5-vl-tiny-a" -> qwen25VlCheckpoint();
                case "qwen3-vl-tiny-a" -> qwen3VlCheckpoint();
                case "internvl-tiny-a", "internvl3_5-tiny-a" -> internVlCheckpoint(golden);
                default -> golden;
            };
            JsonObject manifest = Golden.manifest(golden);
            JsonObject sink = manifest.getAsJsonObject("sink");
            int[] dims = sink.getAsJsonArray("dims").asList().stream().mapToInt(com.google.gson.JsonElement::getAsInt).toArray();
            double tau = sink.has("tau") ? sink.get("tau").getAsDouble()
                    : sink.has("tau_practical") ? sink.get("tau_practical").getAsDouble() : sink.get("tau_practical_for_this_model").getAsDouble();
            return new Case(name, golden, checkpoint, manifest, dims, tau);
        }

        /** The decoder variant of a LLaVA-NeXT case ({@code mistral} or {@code llama}); the manifest's samples name theirs. */
        public String decoder() {
            return name.endsWith("mistral") ? "mistral" : "llama";
        }
    }

    /** {@code ../shared/golden/<name>} beside the checkout (where CI lays the shared data), unless overridden. */
    private static Path shared(String property, String name) {
        String override = System.getProperty(property);
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        Path dir = Path.of("..", "shared", "golden", name).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("the shared golden data " + dir + " is missing: check out the project beside ../shared (as CI does)"
                    + " or give -D" + property + "=DIR");
        }
        return dir;
    }

    /**
     * The device the golden model tests run on: {@code -Dsinkscope.golden.device=cuda:0} (jobs/gpu-check.sh), else the
     * CPU; a GPU that cannot be used fails here with the cause ({@link sinkscope.model.DeviceCheck}).
     */
    public static ai.djl.Device device() {
        sinkscope.model.Torch.configure(2);
        return sinkscope.model.Torch.device(System.getProperty("sinkscope.golden.device", "cpu"));
    }

    public static JsonObject manifest(Path dir) {
        try {
            return JsonParser.parseString(Files.readString(dir.resolve("manifest.json"))).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + dir.resolve("manifest.json"), e);
        }
    }

    private static Path dir(String property, String resource) {
        String override = System.getProperty(property);
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        try {
            var url = Golden.class.getClassLoader().getResource(resource);
            if (url == null) {
                throw new IllegalStateException("test resource " + resource + " is missing");
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
