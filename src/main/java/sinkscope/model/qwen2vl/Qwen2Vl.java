package sinkscope.model.qwen2vl;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import sinkscope.model.Checkpoint;
import sinkscope.model.CheckpointException;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.LlamaModel;
import sinkscope.model.Lmm;
import sinkscope.model.Merged;
import sinkscope.model.RgbImage;
import sinkscope.model.TextConfig;
import sinkscope.model.Weights;
import sinkscope.model.qwenvl.QwenVlImageProcessor;
import sinkscope.model.qwenvl.QwenVlModel;

/**
 * Qwen2VLForConditionalGeneration / Qwen2_5_VLForConditionalGeneration: the vision transformer with its patch merger,
 * the Qwen2 decoder (q/k/v biases, GQA, RMSNorm, SwiGLU, multimodal rotary with contiguous sections), greedy
 * generation with a KV cache; prompt, processor and merge as {@link QwenVlModel} describes.
 *
 * <p>Weights are read under transformers 5's names ({@code model.visual.*}, {@code model.language_model.*},
 * {@code lm_head.*}) or the released checkpoints' ({@code visual.*}, {@code model.*}).
 */
public final class Qwen2Vl extends QwenVlModel {
    private final Qwen2VlConfig config;
    private final Qwen2VisionTransformer vision;

    private Qwen2Vl(NDManager manager, Qwen2VlConfig config, Qwen2VisionTransformer vision, LlamaModel language, QwenVlImageProcessor images,
            HuggingFaceTokenizer tokenizer, Set<Integer> eos, Device device, DataType dtype) {
        super(manager, language, images, tokenizer, eos, device, dtype, config.imageTokenId(), config.videoTokenId(), config.vision().spatialMergeSize());
        this.config = config;
        this.vision = vision;
    }

    public static Qwen2Vl load(Path dir, Device device, DataType dtype) {
        Qwen2VlConfig config = Qwen2VlConfig.load(Checkpoint.configFile(dir));
        Qwen2VlConfig.VisionConfig v = config.vision();
        QwenVlImageProcessor images = QwenVlImageProcessor.load(dir.resolve("preprocessor_config.json"), v.patchSize(), v.temporalPatchSize(),
                v.spatialMergeSize());
        HuggingFaceTokenizer tokenizer = tokenizer(dir, config.imageTokenId());
        try (Checkpoint ck = Checkpoint.open(dir, QwenVlModel::aliases)) {
            return create(config, ck, images, tokenizer, eosIds(dir, config.text()), device, dtype);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** A model of {@code config} from {@code weights} without tokenizer or image processor (random weights for benchmarks). */
    public static Qwen2Vl create(Qwen2VlConfig config, Weights weights, Device device, DataType dtype) {
        return create(config, weights, null, null, eosIds(config.text()), device, dtype);
    }

    private static Qwen2Vl create(Qwen2VlConfig config, Weights weights, QwenVlImageProcessor images, HuggingFaceTokenizer tokenizer,
            Set<Integer> eos, Device device, DataType dtype) {
        NDManager m = NDManager.newBaseManager(device);
        m.setName(config.modelType());
        try {
            Qwen2VisionTransformer vision = Qwen2VisionTransformer.load(weights, m, config, "model.visual.", dtype, device);
            LlamaModel language = LlamaModel.load(weights, m, config.text(), dtype, device, "model.language_model.", "lm_head");
            return new Qwen2Vl(m, config, vision, language, images, tokenizer, eos, device, dtype);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    @Override
    public Qwen2VlConfig config() {
        return config;
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
