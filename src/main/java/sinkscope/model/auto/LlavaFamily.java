package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;
import sinkscope.model.llava.Llava;
import sinkscope.model.llava.LlavaConfig;

/** LLaVA-1.5 in the llava-hf layout. */
final class LlavaFamily implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("llava");
    }

    @Override
    public ModelConfig config(Path file) {
        return LlavaConfig.load(file);
    }

    @Override
    public Lmm load(Path dir, Device device, DataType dtype) {
        return Llava.load(dir, device, dtype);
    }
}
