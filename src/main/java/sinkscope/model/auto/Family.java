package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import ai.djl.ndarray.NDManager;
import sinkscope.model.Inputs;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;

/**
 * One model family: the {@code model_type} values it reads, its named chat templates, its config parser, its loader
 * (given once, in the constructor), and its random-weight model of a given decoder shape for {@code bench-forward}.
 * The registry ({@link Families}) is the only place outside the family's folder that names it.
 */
public abstract class Family {
    /** A family's checkpoint loader ({@code Llava::load}, ...). */
    protected interface Loader {
        Lmm load(Path dir, Device device, DataType dtype);
    }

    private final List<String> modelTypes;
    private final Map<String, String> templates;
    private final Function<Path, ModelConfig> config;
    private final Loader loader;
    private final DecoderShape reference;

    /** {@code reference}: the decoder of the family's reference release and the image tokens of its typical prompt. */
    protected Family(List<String> modelTypes, Map<String, String> templates, Function<Path, ModelConfig> config, Loader loader, DecoderShape reference) {
        this.modelTypes = List.copyOf(modelTypes);
        this.templates = templates;
        this.config = config;
        this.loader = loader;
        this.reference = reference;
    }

    /** The {@code model_type} values of config.json this family runs. */
    public final List<String> modelTypes() {
        return modelTypes;
    }

    /**
     * The family's named chat templates (name to {@code PromptTemplate} text with its {@code {question}} slot), what
     * {@code --template NAME} resolves through ({@link Families#templates}); its configs' {@code defaultTemplate()} is one of them.
     */
    public final Map<String, String> templates() {
        return templates;
    }

    /** Parses a config.json whose {@code model_type} is one of {@link #modelTypes()}. */
    public final ModelConfig config(Path file) {
        return config.apply(file);
    }

    /** Loads model and processor from checkpoint directory {@code dir}. */
    public final Lmm load(Path dir, Device device, DataType dtype) {
        return loader.load(dir, device, dtype);
    }

    /**
     * {@code bench-forward}'s default shape: the decoder of the family's reference release with {@code layers} layers
     * and the image tokens of its typical prompt; the rotary table holds at least {@code maxPositions}.
     */
    public final DecoderShape benchShape(int layers, int maxPositions) {
        return reference.with(layers, maxPositions);
    }

    /**
     * This family's model with random weights (seed 42, std 0.02) whose decoder has {@code shape} and the family's
     * block variations, with a token-sized vision tower ({@code bench-forward} times the decoder alone).
     */
    public abstract Lmm random(DecoderShape shape, Device device, DataType dtype);

    /**
     * One end-to-end sample for {@code model}, this family's {@link #random} model: {@code textTokens} random prompt ids
     * (seed 42) with the image placeholder at {@code textTokens / 8} and random pixel values of the model's input
     * shape; empty where the family has none ({@code bench-forward}'s method timing then skips it).
     */
    public Optional<Inputs> benchSample(Lmm model, int textTokens, NDManager m) {
        return Optional.empty();
    }
}
