package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;
import sinkscope.model.qwen3vl.Qwen3Vl;
import sinkscope.model.qwen3vl.Qwen3VlConfig;

/** Qwen3-VL (dense) in the Hugging Face layout. */
final class Qwen3VlFamily implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("qwen3_vl");
    }

    @Override
    public ModelConfig config(Path file) {
        return Qwen3VlConfig.load(file);
    }

    @Override
    public Lmm load(Path dir, Device device, DataType dtype) {
        return Qwen3Vl.load(dir, device, dtype);
    }
}
