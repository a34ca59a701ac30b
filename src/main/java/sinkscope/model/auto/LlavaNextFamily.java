package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import sinkscope.model.Lmm;
import sinkscope.model.ModelConfig;
import sinkscope.model.RandomWeights;
import sinkscope.model.llava.LlavaConfig;
import sinkscope.model.llavanext.LlavaNext;
import sinkscope.model.llavanext.LlavaNextConfig;

/** LLaVA-NeXT (LLaVA-1.6, anyres) in the llava-hf layout, with a LLaMA/Vicuna or Mistral decoder. */
final class LlavaNextFamily implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("llava_next");
    }

    /** {@code mistral_instruct}, and LLaVA's formats, which its Vicuna checkpoints use. */
    @Override
    public Map<String, String> templates() {
        return Families.merge(LlavaConfig.TEMPLATES, LlavaNextConfig.TEMPLATES);
    }

    @Override
    public ModelConfig config(Path file) {
        return LlavaNextConfig.load(file);
    }

    @Override
    public Lmm load(Path dir, Device device, DataType dtype) {
        return LlavaNext.load(dir, device, dtype);
    }

    /** LLaVA-v1.6-Vicuna-7B's decoder (4096 hidden, 32 heads, 11008 MLP, 32000 vocabulary) and a square image's 2928 anyres tokens. */
    @Override
    public DecoderShape benchShape(int layers, int maxPositions) {
        return new DecoderShape(4096, 32, 32, layers, 11008, 32000, 2928, maxPositions);
    }

    /** The decoder shape with LLaVA-1.5's tiny CLIP tower at 336 px tiles and the default pinpoints. */
    @Override
    public Lmm random(DecoderShape shape, Device device, DataType dtype) {
        JsonObject root = LlavaFamily.randomConfig(shape, "llava_next", 336);
        return LlavaNext.create(LlavaNextConfig.parse(Path.of("<bench-forward>"), root), new RandomWeights(42, 0.02), device, dtype);
    }
}
