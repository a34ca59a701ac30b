package sinkscope.data;

import java.util.Objects;

/**
 * Builds the prompt text for one question, with the image placeholder {@code <image>} where the model expands
 * the image tokens.
 *
 * <ul>
 *   <li>{@code llava_hf} (default): {@code "USER: <image>\n{question} ASSISTANT:"}, the llava-hf chat format.</li>
 *   <li>{@code vicuna_v1}: LLaVA's {@code conv_vicuna_v1} (separator style TWO, {@code sep=" "},
 *       {@code sep2="</s>"}) with the assistant turn open: {@code system + " " + "USER: " + "<image>\n" + question
 *       + " " + "ASSISTANT:"}. The {@code </s>} separator only follows a completed assistant message, so it
 *       never appears in a generation prompt.</li>
 *   <li>{@code plain}: {@code "<image>\n{question}"}.</li>
 *   <li>{@code qwen2_vl}: the Qwen2-VL / Qwen2.5-VL chat template with its default system prompt and the assistant
 *       turn open: {@code "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
 *       + "<|vision_start|><|image_pad|><|vision_end|>" + question + "<|im_end|>\n<|im_start|>assistant\n"}, as
 *       {@code apply_chat_template(..., add_generation_prompt=True)} renders one image and one text turn.</li>
 *   <li>{@code mistral_instruct}: {@code "[INST] <image>\n{question} [/INST]"}, the chat format of
 *       llava-hf/llava-v1.6-mistral-7b-hf.</li>
 *   <li>any other string is a custom template that must contain {@code {question}}; the two characters
 *       {@code \n} in it stand for a newline, so a template can be given on a command line.</li>
 * </ul>
 *
 * <p>With the POPE suffix on, {@code {question}} becomes {@code question + POPE_SUFFIX} (LLaVA's POPE prompt),
 * unless the question already ends with the suffix, as the questions of LLaVA's {@code llava_pope_test.jsonl} do.
 */
public final class PromptTemplate {

    public static final String LLAVA_HF = "USER: <image>\n{question} ASSISTANT:";
    public static final String VICUNA_V1_SYSTEM = "A chat between a curious human and an artificial intelligence "
            + "assistant. The assistant gives helpful, detailed, and polite answers to the human's questions.";
    public static final String VICUNA_V1 = VICUNA_V1_SYSTEM + " USER: <image>\n{question} ASSISTANT:";
    public static final String PLAIN = "<image>\n{question}";
    public static final String MISTRAL_INSTRUCT = "[INST] <image>\n{question} [/INST]";
    public static final String QWEN2_VL = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
            + "<|vision_start|><|image_pad|><|vision_end|>{question}<|im_end|>\n<|im_start|>assistant\n";
    public static final String POPE_SUFFIX = " Answer the question using a single word or phrase.";
    public static final String DEFAULT = "llava_hf";

    private static final String SLOT = "{question}";

    private final String name;
    private final String template;
    private final boolean popeSuffix;

    private PromptTemplate(String name, String template, boolean popeSuffix) {
        this.name = name;
        this.template = template;
        this.popeSuffix = popeSuffix;
    }

    /** {@code llava_hf}, {@code vicuna_v1}, {@code plain}, {@code qwen2_vl}, or a custom template containing {@code {question}}. */
    public static PromptTemplate of(String nameOrTemplate) {
        Objects.requireNonNull(nameOrTemplate, "prompt template");
        return switch (nameOrTemplate) {
            case "llava_hf" -> new PromptTemplate("llava_hf", LLAVA_HF, false);
            case "vicuna_v1" -> new PromptTemplate("vicuna_v1", VICUNA_V1, false);
            case "plain" -> new PromptTemplate("plain", PLAIN, false);
            case "qwen2_vl" -> new PromptTemplate("qwen2_vl", QWEN2_VL, false);
            case "mistral_instruct" -> new PromptTemplate("mistral_instruct", MISTRAL_INSTRUCT, false);
            default -> {
                String t = nameOrTemplate.replace("\\n", "\n");
                if (!t.contains(SLOT)) {
                    throw new IllegalArgumentException("prompt template must be llava_hf, vicuna_v1, plain, qwen2_vl, mistral_instruct or a "
                            + "template containing {question}, got '" + nameOrTemplate + "'");
                }
                yield new PromptTemplate("custom", t, false);
            }
        };
    }

    /** The same template with the POPE suffix on or off. */
    public PromptTemplate withPopeSuffix(boolean on) {
        return new PromptTemplate(name, template, on);
    }

    /** The prompt for one question. */
    public String render(String question) {
        String q = popeSuffix && !question.endsWith(POPE_SUFFIX) ? question + POPE_SUFFIX : question;
        return template.replace(SLOT, q);
    }

    /** {@code llava_hf}, {@code vicuna_v1}, {@code plain} or {@code custom}. */
    public String name() {
        return name;
    }

    /** The template text with its {@code {question}} slot. */
    public String template() {
        return template;
    }

    public boolean popeSuffix() {
        return popeSuffix;
    }

    @Override
    public String toString() {
        return name + (popeSuffix ? "+pope" : "") + ": " + template;
    }
}
