package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;
import sinkscope.model.internvl.InternVl;
import sinkscope.model.internvl.InternVlConfig;

/** InternVL2.5/3/3.5 in the Hugging Face "-hf" layout, with a Qwen2 or LLaMA decoder. */
final class InternVlFamily implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("internvl");
    }

    @Override
    public ModelConfig config(Path file) {
        return InternVlConfig.load(file);
    }

    @Override
    public Lmm load(Path dir, Device device, DataType dtype) {
        return InternVl.load(dir, device, dtype);
    }
}
