package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import sinkscope.model.decoding.Draws;
import sinkscope.model.decoding.LogitsRule;
import sinkscope.model.decoding.PaiGuidance;
import sinkscope.model.decoding.Vcd;

/**
 * A sample's second prepared input and how its logits join the main input's at every step. The contrast input is
 * prefilled into its own KV cache rows, fed the same generated tokens as the main input, and decoded beside it (in
 * the batched loop one forward over the main and contrast rows; alone, a second forward per step); its rows run
 * without hooks. When its pixel values are the main input's (the same array), the vision features are made once.
 *
 * @param inputs the contrast input (another image, a noised image, or the prompt without its image)
 * @param rule how the main and contrast logits combine ({@link LogitsRule})
 * @param followsBeams whether beam search reorders the contrast's cache with the beams (true for a correct beam
 *     search; PAI's code does not, see {@link PaiGuidance})
 */
public record Contrast(Inputs inputs, LogitsRule rule, boolean followsBeams) {

    public Contrast {
        if (inputs == null || rule == null) {
            throw new IllegalArgumentException("a contrast needs its inputs and its logits rule");
        }
    }

    /**
     * VCD's contrast: the same prompt with the processed pixel values diffusion-noised at {@code noiseStep}
     * ({@link Vcd#noise}, drawn from {@code draws}); the noised pixels are attached to {@code m}.
     */
    public static Contrast vcd(NDManager m, Inputs inputs, Vcd rule, int noiseStep, Draws draws) {
        if (inputs.pixelValues() == null) {
            throw new IllegalArgumentException("vcd: the sample has no image to noise");
        }
        NDArray noised = Vcd.noise(m, inputs.pixelValues(), noiseStep, draws);
        return new Contrast(new Inputs(inputs.inputIds(), noised, inputs.imageGridThw(), inputs.gridRows(), inputs.gridCols(), inputs.width(),
                inputs.height(), inputs.options(), inputs.layout()), rule, true);
    }

    /**
     * PAI's unconditional input: {@code inputs}' prompt ids without the ids {@code imageIds} (LLaVA: {@code <image>};
     * Qwen2-VL: the vision start, pad and end ids), no image: {@code bos + before + after} as
     * {@code init_cfg_processor} builds it. Its cache does not follow the beams, as in the code.
     */
    public static Contrast pai(Inputs inputs, PaiGuidance rule, long... imageIds) {
        long[] ids = Arrays.stream(inputs.inputIds()).filter(id -> Arrays.stream(imageIds).noneMatch(x -> x == id)).toArray();
        if (ids.length == inputs.inputIds().length && inputs.pixelValues() != null) {
            throw new IllegalArgumentException("pai: none of the image ids " + Arrays.toString(imageIds) + " is in the prompt");
        }
        return new Contrast(new Inputs(ids, null, null, 0, 0, 0, 0, inputs.options()), rule, false);
    }
}
