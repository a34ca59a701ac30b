package sinkscope.spark;

import java.io.Serializable;
import java.util.List;
import sinkscope.data.PromptTemplate;
import sinkscope.data.SyntheticBenchmark;

/**
 * How evaluate treats benchmarks: the benchmark of questions that name none, the prompt suffixes, the generation limit
 * of captions, the CHAIR vocabulary and the bootstrap of the significance table.
 *
 * @param defaultBenchmark benchmark of a question without a {@code benchmark} field (and of table inputs)
 * @param promptSuffix {@code llava} (LLaVA-1.5's suffix per benchmark, {@link sinkscope.benchmark.Benchmark#suffix}), {@code qwen2_vl}
 *     (lmms-eval's prompts, {@link sinkscope.benchmark.Benchmark#prefix}) or {@code none}
 * @param captionMaxNewTokens generation limit of caption questions (the others use the runner's {@code max_new_tokens})
 * @param judgeMaxNewTokens generation limit of judge-scored questions (MM-Vet, LLaVA-Bench: {@code model_vqa.py}'s 1024)
 * @param allRounds MMBench as LLaVA's {@code model_vqa_mmbench.py --all-rounds}: each question once per option, the
 *     options rotated left by one more place each round (circular evaluation for a TSV without MMBench's circular copies)
 * @param synonyms the CHAIR synonym lines of caption benchmarks other than {@code synth_caption}; null when not given
 * @param resamples paired bootstrap resamples
 * @param seed bootstrap seed
 */
public record BenchmarkOptions(String defaultBenchmark, String promptSuffix, int captionMaxNewTokens, int judgeMaxNewTokens, boolean allRounds,
                               List<String> synonyms,
                               int resamples, long seed) implements Serializable {

    public static final String DEFAULT_BENCHMARK = "pope";
    public static final String DEFAULT_SUFFIX = "llava";
    public static final int DEFAULT_CAPTION_TOKENS = 24;
    public static final int DEFAULT_JUDGE_TOKENS = 1024;
    public static final int DEFAULT_RESAMPLES = 1000;

    public BenchmarkOptions {
        if (!PromptTemplate.SUFFIX_MODES.contains(promptSuffix)) {
            throw new IllegalArgumentException("--prompt-suffix must be one of " + PromptTemplate.SUFFIX_MODES + ", got '" + promptSuffix + "'");
        }
        if (captionMaxNewTokens < 1 || judgeMaxNewTokens < 1) {
            throw new IllegalArgumentException("--caption-max-new-tokens and --judge-max-new-tokens must be at least 1, got "
                    + captionMaxNewTokens + " and " + judgeMaxNewTokens);
        }
        if (resamples < 1) {
            throw new IllegalArgumentException("--resamples must be at least 1, got " + resamples);
        }
        synonyms = synonyms == null ? null : List.copyOf(synonyms);
    }

    public static BenchmarkOptions defaults() {
        return new BenchmarkOptions(DEFAULT_BENCHMARK, DEFAULT_SUFFIX, DEFAULT_CAPTION_TOKENS, DEFAULT_JUDGE_TOKENS, false, null, DEFAULT_RESAMPLES, 0);
    }

    /** The CHAIR vocabulary of a caption benchmark: the shapes for {@code synth_caption}, else {@link #synonyms}; null when none. */
    public List<String> vocabulary(String benchmark) {
        return "synth_caption".equals(benchmark) ? SyntheticBenchmark.CHAIR_VOCABULARY : synonyms;
    }

    /** The task of a benchmark this project knows, or the given one; an error message when neither is known. */
    static String task(String benchmark, String task) {
        return task != null ? task : sinkscope.benchmark.Benchmarks.of(benchmark, null).task();
    }
}
