package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;
import sinkscope.model.qwen2vl.Qwen2Vl;
import sinkscope.model.qwen2vl.Qwen2VlConfig;

/** Qwen2-VL and Qwen2.5-VL in the Hugging Face layout. */
final class Qwen2VlFamily implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("qwen2_vl", "qwen2_5_vl");
    }

    @Override
    public ModelConfig config(Path file) {
        return Qwen2VlConfig.load(file);
    }

    @Override
    public Lmm load(Path dir, Device device, DataType dtype) {
        return Qwen2Vl.load(dir, device, dtype);
    }
}
