package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;

/** One model family: the {@code model_type} values it reads, its config parser and its loader. */
public interface Family {

    /** The {@code model_type} values of config.json this family runs. */
    List<String> modelTypes();

    /** Parses a config.json whose {@code model_type} is one of {@link #modelTypes()}. */
    ModelConfig config(Path file);

    /** Loads model and processor from checkpoint directory {@code dir}. */
    Lmm load(Path dir, Device device, DataType dtype);
}
