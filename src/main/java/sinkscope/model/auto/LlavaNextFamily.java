package sinkscope.model.auto;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.List;
import sinkscope.model.Lmm;
import sinkscope.model.RandomWeights;
import sinkscope.model.llava.LlavaConfig;
import sinkscope.model.llavanext.LlavaNext;
import sinkscope.model.llavanext.LlavaNextConfig;

/** LLaVA-NeXT (LLaVA-1.6, anyres) in the llava-hf layout, with a LLaMA/Vicuna or Mistral decoder. */
final class LlavaNextFamily extends Family {
    /**
     * Templates: {@code mistral_instruct} and LLaVA-1.5's formats, which its Vicuna checkpoints use. Bench shape:
     * LLaVA-v1.6-Vicuna-7B's decoder (4096 hidden, 32 heads, 11008 MLP, 32000 vocabulary) and a square image's 2928 anyres tokens.
     */
    LlavaNextFamily() {
        super(List.of("llava_next"), Families.merge(LlavaConfig.TEMPLATES, LlavaNextConfig.TEMPLATES), LlavaNextConfig::load, LlavaNext::load,
                new DecoderShape(4096, 32, 32, 1, 11008, 32000, 2928, 0));
    }

    /** The decoder shape with LLaVA-1.5's tiny CLIP tower at 336 px tiles and the default pinpoints. */
    @Override
    public Lmm random(DecoderShape shape, Device device, DataType dtype) {
        var root = LlavaFamily.randomConfig(shape, "llava_next", 336);
        return LlavaNext.create(LlavaNextConfig.parse(Path.of("<bench-forward>"), root), new RandomWeights(42, 0.02), device, dtype);
    }
}
