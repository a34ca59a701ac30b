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
    /** LLaVA-1.5's short-answer prompt (POPE, MME, VQAv2, GQA, TextVQA, VizWiz; {@code scripts/v1_5/eval}'s question files). */
    public static final String SHORT_ANSWER_SUFFIX = "\nAnswer the question using a single word or phrase.";
    /** LLaVA-1.5's multiple-choice prompt (ScienceQA, MMBench, SEED-Bench). */
    public static final String OPTION_LETTER_SUFFIX = "\nAnswer with the option's letter from the given choices directly.";
    /** LLaVA-1.5's VizWiz prompt. */
    public static final String VIZWIZ_SUFFIX = "\nWhen the provided information is insufficient, respond with 'Unanswerable'."
            + SHORT_ANSWER_SUFFIX;
    /**
     * lmms-eval's MM-Vet pre-prompt ({@code lmms_eval/tasks/mmvet/mmvet.yaml}, {@code pre_prompt}), put before the question in
     * mode {@code qwen2_vl}.
     */
    public static final String MMVET_REASONING_PREFIX = "First please perform reasoning, and think step by step to provide best answer "
            + "to the following question: \n\n";
    /**
     * Prompt-suffix modes ({@code sinkscope.benchmark.Benchmark#suffix}): LLaVA-1.5's per benchmark ({@code llava}), lmms-eval's
     * default prompts, with which Qwen2-VL's numbers are reproduced ({@code qwen2_vl}), or none; the flag's {@code auto}
     * picks the model family's ({@code ModelConfig#promptSuffixMode}).
     */
    public static final java.util.List<String> SUFFIX_MODES = java.util.List.of("llava", "qwen2_vl", "none");
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

    /**
     * The question as the model is asked it: a multiple-choice question's options as {@code "\nA. text"} lines (as
     * LLaVA's {@code model_vqa_mmbench.py} writes them) unless the text already lists them ({@code "A. first"} or
     * {@code "(A) first"}), then {@code suffix} unless the question already ends with it (LLaVA's converted files do).
     */
    public static String question(String text, java.util.List<String> options, String suffix) {
        StringBuilder q = new StringBuilder(text);
        if (options != null && !options.isEmpty() && !text.contains("A. " + options.get(0)) && !text.contains("(A) " + options.get(0))) {
            for (int i = 0; i < options.size(); i++) {
                q.append('\n').append((char) ('A' + i)).append(". ").append(options.get(i));
            }
        }
        String s = suffix == null ? "" : suffix;
        if (!s.isBlank() && !q.toString().strip().endsWith(s.strip())) {
            q.append(s);
        }
        return q.toString();
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
