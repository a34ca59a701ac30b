package sinkscope.model.qwen3vl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import sinkscope.model.Checkpoint;
import sinkscope.model.Inputs;
import sinkscope.model.Weights;
import sinkscope.model.qwenvl.QwenVlModel;

/**
 * Qwen3VLForConditionalGeneration (dense): {@link Qwen3VisionModel} with its merger and DeepStack mergers, the Qwen3
 * decoder (per-head q/k RMSNorm, no q/k/v biases, GQA, interleaved multimodal rotary), greedy generation with a KV
 * cache; prompt, processor (patch 16) and merge as {@link QwenVlModel} describes.
 *
 * <p>{@link #imageFeatures} gives [1 + k, N, D]: the merger's features, which replace the {@code <|image_pad|>}
 * embeddings, then the k DeepStack features, which the prefill adds to the image rows' hidden states after decoder
 * layers {@code 0..k-1} (HF's {@code _deepstack_process}); the hooks, and so the sink analysis, see layer
 * {@code l + 1}'s input after that addition.
 *
 * <p>Weights under transformers 5's names ({@code model.visual.*}, {@code model.language_model.*}, {@code lm_head}),
 * which the released checkpoints use too; a missing merger or DeepStack tensor is refused naming the file and tensor.
 */
public final class Qwen3Vl extends QwenVlModel<Qwen3VlConfig> {
    private final Qwen3VisionModel vision;

    private Qwen3Vl(NDManager m, Qwen3VlConfig config, Weights weights, Processing processing, Device device, DataType dtype) {
        super(m, config, weights, processing, device, dtype);
        this.vision = Qwen3VisionModel.load(weights, m, config.vision(), "model.visual.", dtype, device);
    }

    public static Qwen3Vl load(Path dir, Device device, DataType dtype) {
        return load(dir, Qwen3VlConfig.load(Checkpoint.configFile(dir)), device, dtype, Qwen3Vl::new);
    }

    /** A model of {@code config} from {@code weights} without tokenizer or image processor (random weights for benchmarks). */
    public static Qwen3Vl create(Qwen3VlConfig config, Weights weights, Device device, DataType dtype) {
        return create(config, weights, device, dtype, Qwen3Vl::new);
    }

    /** [1 + k, N, D]: the merger's features, then the k DeepStack additions. */
    @Override
    public NDArray imageFeatures(NDManager m, Inputs inputs) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Qwen3VisionModel.Output out = vision.forward(inputs.pixelValues(), inputs.imageGridThw(), false);
            NDList all = new NDList(out.features());
            all.addAll(out.deepstack());
            NDArray stacked = NDArrays.stack(all);
            NDScope.unregister(stacked);
            stacked.attach(m);
            return stacked;
        }
    }

    /** The tower's output for {@code inputs} with every block's output, attached to {@code m}. */
    public Qwen3VisionModel.Output visionOutput(NDManager m, Inputs inputs) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Qwen3VisionModel.Output out = vision.forward(inputs.pixelValues(), inputs.imageGridThw(), true);
            List<NDArray> keep = new ArrayList<>(out.blockOutputs());
            keep.addAll(out.deepstack());
            keep.addAll(List.of(out.patchEmbeddings(), out.positionEmbeddings(), out.features()));
            for (NDArray a : keep) {
                NDScope.unregister(a);
                a.attach(m);
            }
            return out;
        }
    }
}
