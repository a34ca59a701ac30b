package sinkscope.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The default model: {@code tiny-llava}, SinkScope's reference LLaVA-1.5-architecture model trained on the
 * synthetic benchmark ({@code jobs/sinkscope train-reference}), bundled as classpath resources under
 * {@code sinkscope/models/tiny-llava/}. {@link #path()} is that directory when the resources are plain files
 * (running from {@code target/classes}), otherwise (inside a jar) a copy extracted once per JVM into a temporary
 * directory.
 */
public final class BundledModel {
    public static final String RESOURCE_DIR = "sinkscope/models/tiny-llava/";
    public static final List<String> FILES = List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "preprocessor_config.json", "generation_config.json", "README.md");

    private static Path extracted;

    private BundledModel() {}

    /** A directory holding the bundled model's files. */
    public static synchronized Path path() {
        if (extracted != null) {
            return extracted;
        }
        URL config = BundledModel.class.getClassLoader().getResource(RESOURCE_DIR + "config.json");
        if (config == null) {
            throw new IllegalStateException("the bundled model is missing from the classpath (" + RESOURCE_DIR + "config.json)");
        }
        try {
            if (config.getProtocol().equals("file")) {
                extracted = Path.of(config.toURI()).getParent();
                return extracted;
            }
            Path dir = Files.createTempDirectory("sinkscope-tiny-llava-");
            for (String f : FILES) {
                try (InputStream in = BundledModel.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + f)) {
                    if (in == null) {
                        throw new IllegalStateException("the bundled model has no " + RESOURCE_DIR + f);
                    }
                    Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
                dir.resolve(f).toFile().deleteOnExit();
            }
            dir.toFile().deleteOnExit();
            extracted = dir;
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the bundled model: " + e.getMessage(), e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad resource URL " + config, e);
        }
    }
}
