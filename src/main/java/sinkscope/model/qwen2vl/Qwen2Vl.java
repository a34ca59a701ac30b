package sinkscope.model.qwen2vl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import sinkscope.model.Checkpoint;
import sinkscope.model.Inputs;
import sinkscope.model.Weights;
import sinkscope.model.qwenvl.QwenVlModel;

/**
 * Qwen2VLForConditionalGeneration / Qwen2_5_VLForConditionalGeneration: the vision transformer with its patch merger,
 * the Qwen2 decoder (q/k/v biases, GQA, RMSNorm, SwiGLU, multimodal rotary with contiguous sections), greedy
 * generation with a KV cache; prompt, processor and merge as {@link QwenVlModel} describes.
 *
 * <p>Weights are read under transformers 5's names ({@code model.visual.*}, {@code model.language_model.*},
 * {@code lm_head.*}) or the released checkpoints' ({@code visual.*}, {@code model.*}).
 */
public final class Qwen2Vl extends QwenVlModel<Qwen2VlConfig> {
    private final Qwen2VisionTransformer vision;

    private Qwen2Vl(NDManager m, Qwen2VlConfig config, Weights weights, Processing processing, Device device, DataType dtype) {
        super(m, config, weights, processing, device, dtype);
        this.vision = Qwen2VisionTransformer.load(weights, m, config, "model.visual.", dtype, device);
    }

    public static Qwen2Vl load(Path dir, Device device, DataType dtype) {
        return load(dir, Qwen2VlConfig.load(Checkpoint.configFile(dir)), device, dtype, Qwen2Vl::new);
    }

    /** A model of {@code config} from {@code weights} without tokenizer or image processor (random weights for benchmarks). */
    public static Qwen2Vl create(Qwen2VlConfig config, Weights weights, Device device, DataType dtype) {
        return create(config, weights, device, dtype, Qwen2Vl::new);
    }

    public Qwen2VisionTransformer vision() {
        return vision;
    }

    @Override
    public NDArray imageFeatures(NDManager m, Inputs inputs) {
        return visionOutput(m, inputs, false).features();
    }

    /** The tower's output for {@code inputs}, attached to {@code m} (with {@code keepStates}: every block's output). */
    public Qwen2VisionTransformer.Output visionOutput(NDManager m, Inputs inputs, boolean keepStates) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Qwen2VisionTransformer.Output out = vision.forward(inputs.pixelValues(), inputs.imageGridThw(), keepStates);
            NDScope.unregister(out.features());
            out.features().attach(m);
            if (keepStates) {
                NDScope.unregister(out.patchEmbeddings());
                out.patchEmbeddings().attach(m);
                for (NDArray a : out.blockOutputs()) {
                    NDScope.unregister(a);
                    a.attach(m);
                }
            }
            return out;
        }
    }
}
