package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import ai.djl.ndarray.NDManager;
import sinkscope.model.Inputs;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;

/**
 * One model family: the {@code model_type} values it reads, its config parser, its loader, and its random-weight
 * model of a given decoder shape for {@code bench-forward}. The registry ({@link Families}) is the only place outside
 * the family's folder that names it.
 */
public interface Family {

    /** The {@code model_type} values of config.json this family runs. */
    List<String> modelTypes();

    /**
     * The family's named chat templates (name to {@code PromptTemplate} text with its {@code {question}} slot), what
     * {@code --template NAME} resolves through ({@link Families#templates}); its configs' {@code defaultTemplate()} is one of them.
     */
    Map<String, String> templates();

    /** Parses a config.json whose {@code model_type} is one of {@link #modelTypes()}. */
    ModelConfig config(Path file);

    /** Loads model and processor from checkpoint directory {@code dir}. */
    Lmm load(Path dir, Device device, DataType dtype);

    /**
     * {@code bench-forward}'s default shape: the decoder of the family's reference release with {@code layers} layers
     * and the image tokens of its typical prompt; the rotary table holds at least {@code maxPositions}.
     */
    DecoderShape benchShape(int layers, int maxPositions);

    /**
     * This family's model with random weights (seed 42, std 0.02) whose decoder has {@code shape} and the family's
     * block variations, with a token-sized vision tower ({@code bench-forward} times the decoder alone).
     */
    Lmm random(DecoderShape shape, Device device, DataType dtype);

    /**
     * One end-to-end sample for {@code model}, this family's {@link #random} model: {@code textTokens} random prompt ids
     * (seed 42) with the image placeholder at {@code textTokens / 8} and random pixel values of the model's input
     * shape; empty where the family has none ({@code bench-forward}'s method timing then skips it).
     */
    default Optional<Inputs> benchSample(Lmm model, int textTokens, NDManager m) {
        return Optional.empty();
    }
}
