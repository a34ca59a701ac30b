package sinkscope.model.qwenvl;

import sinkscope.model.ModelConfig;

/** What {@link QwenVlModel} reads from a Qwen-VL family's config: the image and video pad ids and the tower's patch geometry. */
public interface QwenVlConfig extends ModelConfig {
    /** {@code <|image_pad|>}. */
    int imageTokenId();

    /** {@code <|video_pad|>} (refused in prompts). */
    int videoTokenId();

    VisionShape vision();
}
