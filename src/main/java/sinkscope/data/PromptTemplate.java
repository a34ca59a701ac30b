package sinkscope.data;

import java.util.Objects;

/**
 * Builds the prompt text for one question from a template with a {@code {question}} slot, the image placeholder
 * (the model's, e.g. {@code <image>}) where the model expands the image tokens.
 *
 * <p>A template is given by name or as text. The names are the model families' chat formats, which each family
 * declares ({@code sinkscope.model.auto.Family#templates}, all of them in {@code Families.templates()}); the caller
 * passes that map. Any other string is a custom template that must contain {@code {question}}; the two characters
 * {@code \n} in it stand for a newline, so a template can be given on a command line.
 *
 * <p>With the POPE suffix on, {@code {question}} becomes {@code question + POPE_SUFFIX} (LLaVA's POPE prompt),
 * unless the question already ends with the suffix, as the questions of LLaVA's {@code llava_pope_test.jsonl} do.
 */
public final class PromptTemplate {

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

    private static final String SLOT = "{question}";

    private final String name;
    private final String template;
    private final boolean popeSuffix;

    private PromptTemplate(String name, String template, boolean popeSuffix) {
        this.name = name;
        this.template = template;
        this.popeSuffix = popeSuffix;
    }

    /**
     * The template {@code nameOrTemplate}: one of {@code named} (name to template text), else a custom template, which
     * must contain {@code {question}}; an error lists the known names.
     */
    public static PromptTemplate of(String nameOrTemplate, java.util.Map<String, String> named) {
        Objects.requireNonNull(nameOrTemplate, "prompt template");
        String text = named.get(nameOrTemplate);
        if (text != null) {
            return new PromptTemplate(nameOrTemplate, text, false);
        }
        String t = nameOrTemplate.replace("\\n", "\n");
        if (!t.contains(SLOT)) {
            throw new IllegalArgumentException("prompt template '" + nameOrTemplate + "' is neither a known name (" + String.join(", ", named.keySet())
                    + ") nor a template containing {question}");
        }
        return new PromptTemplate("custom", t, false);
    }

    /** A custom template (text containing {@code {question}}), no names known. */
    public static PromptTemplate of(String template) {
        return of(template, java.util.Map.of());
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

    /** The template's name, or {@code custom}. */
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
