package sinkscope.model.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import sinkscope.model.DecoderNames;
import sinkscope.model.Inputs;
import sinkscope.model.LlamaModel;
import sinkscope.model.LmmBase;
import sinkscope.model.Merged;
import sinkscope.model.Weights;

/**
 * What LLaVA-1.5 and LLaVA-NeXT share around their image packing: the CLIP tower, the projector and the decoder of a
 * llava-hf checkpoint ({@link Parts}), the tower's hidden states, the selected features (hidden state
 * {@code vision_feature_layer}, tokens chosen by {@code vision_feature_select_strategy}), the projector on them, and the
 * merge that puts the image rows in place of the prompt's one {@code <image>} id. The families add their processing and
 * how an image's features are packed.
 */
public abstract class ClipLmm extends LmmBase {
    /** The decoder's weight names in the v4.41 llava-hf layout ({@link ClipLmmConfig#aliases} maps the others). */
    public static final DecoderNames DECODER_NAMES = DecoderNames.hf("language_model.model.", "language_model.lm_head");

    private final ClipLmmConfig clip;
    private final ClipVisionTower vision;
    private final MultiModalProjector projector;

    /** The CLIP tower, projector and decoder of a llava-hf checkpoint. */
    public record Parts(ClipVisionTower vision, MultiModalProjector projector, LlamaModel language) {
        /** Loads the three from {@code weights} into {@code m} (the tower up to the selected feature layer). */
        public static Parts load(Weights weights, NDManager m, ClipLmmConfig c, DataType dtype, Device device) {
            return new Parts(ClipVisionTower.load(weights, m, c.vision(), c.visionFeatureIndex(), dtype, device),
                    MultiModalProjector.load(weights, m, c, dtype, device), LlamaModel.load(weights, m, c.text(), dtype, device, DECODER_NAMES));
        }
    }

    protected ClipLmm(NDManager manager, ClipLmmConfig clip, Parts parts, Device device, DataType dtype) {
        super(manager, parts.language(), device, dtype);
        this.clip = clip;
        this.vision = parts.vision();
        this.projector = parts.projector();
    }

    @Override
    public String imagePlaceholder() {
        return LlavaTokenizer.IMAGE_TOKEN;
    }

    /** All of the vision tower's hidden states (every loaded layer) for {@code pixels} [B, 3, S, S], attached to {@code m}. */
    public NDList visionHiddenStates(NDManager m, NDArray pixels) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList states = vision.hiddenStates(pixels.toDevice(device, false));
            NDScope.unregister(states);
            states.attach(m);
            return states;
        }
    }

    /** The vision features the projector reads [B, N, Dv] for {@code pixels} [B, 3, S, S], attached to {@code m}. */
    public NDArray selectedVisionFeatures(NDManager m, NDArray pixels) {
        return onto(m, () -> select(pixels));
    }

    /** Image features [B, N, D] (projector output) for {@code pixels} [B, 3, S, S] (images or tiles), attached to {@code m}. */
    public NDArray imageFeatures(NDManager m, NDArray pixels) {
        return onto(m, () -> projector.forward(select(pixels)));
    }

    /** The projector applied to selected vision features [B, N, Dv], attached to {@code m}. */
    public NDArray project(NDManager m, NDArray selected) {
        return onto(m, () -> projector.forward(selected));
    }

    /** The result of {@code f} attached to {@code m}, its intermediates closed. */
    private static NDArray onto(NDManager m, java.util.function.Supplier<NDArray> f) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray out = f.get();
            NDScope.unregister(out);
            out.attach(m);
            return out;
        }
    }

    private NDArray select(NDArray pixels) {
        int idx = clip.visionFeatureIndex();
        NDList states = vision.hiddenStates(pixels.toDevice(device, false), idx);
        return ClipVisionTower.select(states.get(idx), clip.visionFeatureSelectStrategy());
    }

    @Override
    public Merged merge(NDManager m, Inputs inputs, NDArray features) {
        return merge(m, inputs.inputIds(), features);
    }

    /**
     * Embeds {@code ids} and puts {@code features} ([N, D] or [1, N, D]) in place of the {@code <image>} id (no image:
     * features null and no placeholder).
     */
    public Merged merge(NDManager m, long[] ids, NDArray features) {
        return language.mergeAtPlaceholder(m, ids, clip.imageTokenIndex(), features);
    }
}
