package sinkscope.model;

import java.nio.file.Path;
import java.util.List;

/** What every family's {@code config.json} tells the family-agnostic code ({@code info}, the report, the jobs). */
public interface ModelConfig {

    Path file();

    /** {@code model_type} as config.json spells it ({@code llava}, {@code qwen2_vl}, ...). */
    String modelType();

    TextConfig text();

    /** The decoder's kind as its {@code text_config.model_type} names it ({@code llama}, {@code mistral}, {@code qwen2}). */
    default String decoderType() {
        return "llama";
    }

    /** Parameters of the whole model: vision tower, projector or merger, language model. */
    default long parameterCount() {
        return visionParameterCount() + projectorParameterCount() + text().parameterCount();
    }

    /** Parameters of the vision tower alone. */
    long visionParameterCount();

    /** Parameters of what carries the vision features to the decoder (projector or merger, image newline, DeepStack mergers). */
    long projectorParameterCount();

    /** {@code torch_dtype} as stored ({@code float32} when absent). */
    String torchDtype();

    /** The name of the checkpoint's conversation format, one of its family's templates ({@code Family#templates}). */
    String defaultTemplate();

    /**
     * The benchmark prompt-suffix mode {@code --prompt-suffix auto} means for this checkpoint (one of
     * {@code PromptTemplate.SUFFIX_MODES}): {@code llava} where the family's published numbers use LLaVA-1.5's evaluation
     * prompts, {@code qwen2_vl} where they use lmms-eval's default prompts.
     */
    String promptSuffixMode();

    /**
     * How many decoder layers get image additions after them ({@link Merged#imageAdditions()}: Qwen3-VL's DeepStack);
     * 0 for families whose image features enter at the embeddings only.
     */
    default int imageAdditionLayers() {
        return 0;
    }

    /** One line each: the vision tower, the projector, the image tokens per image (for {@code info} and the report). */
    List<String> visionSummary();

    /**
     * The prompt ids that stand for the image (its placeholder and the delimiters around it): what a text-only prompt
     * leaves out (PAI's guidance input, {@link Contrast#pai}); empty when the family declares none.
     */
    default long[] imageTokenIds() {
        return new long[0];
    }
}
