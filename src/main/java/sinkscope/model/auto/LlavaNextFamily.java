package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;
import sinkscope.model.llavanext.LlavaNext;
import sinkscope.model.llavanext.LlavaNextConfig;

/** LLaVA-NeXT (LLaVA-1.6, anyres) in the llava-hf layout, with a LLaMA/Vicuna or Mistral decoder. */
final class LlavaNextFamily implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("llava_next");
    }

    @Override
    public ModelConfig config(Path file) {
        return LlavaNextConfig.load(file);
    }

    @Override
    public Lmm load(Path dir, Device device, DataType dtype) {
        return LlavaNext.load(dir, device, dtype);
    }
}
