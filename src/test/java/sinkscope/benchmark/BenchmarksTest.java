package sinkscope.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.List;
import org.junit.jupiter.api.Test;
import sinkscope.data.PromptTemplate;
import sinkscope.eval.TaskScore;

/** The registry: names, tasks, layouts, headlines and units as docs/benchmarks-registry.md states them. */
class BenchmarksTest {

    @Test
    void everyBenchmarkOnceWithItsTask() {
        assertEquals(List.of("pope", "mme", "mmbench", "scienceqa", "seed", "cvbench", "mmvp", "vqav2", "textvqa", "vizwiz", "gqa", "chair",
                "mmvet", "llavabench", "synth_pope", "synth_choice", "synth_vqa", "synth_caption"), Benchmarks.names());
        assertEquals(List.of("pope", "mme", "mmbench", "scienceqa", "seed", "cvbench", "mmvp", "vqav2", "textvqa", "vizwiz", "gqa", "chair",
                "mmvet", "llavabench"), Benchmarks.publishedNames());
        assertEquals(TaskScore.YES_NO, Benchmarks.taskOf("MME"));
        assertEquals(TaskScore.OPEN, Benchmarks.taskOf("gqa"));
        assertEquals(TaskScore.JUDGE, Benchmarks.taskOf("mmvet"));
        assertNull(Benchmarks.taskOf("mmmu"));
        // an unknown benchmark is scored by its task's rules, and needs one
        assertEquals(TaskScore.CHOICE, Benchmarks.of("mmmu", TaskScore.CHOICE).task());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Benchmarks.of("mmmu", null)).getMessage().contains("give field 'task'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Benchmarks.get("mmmu")).getMessage().contains("known: [pope, mme"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Benchmarks.published("synth_pope")).getMessage()
                .contains("cannot be read from a published layout"));
    }

    @Test
    void suffixesFromTheTaskUnlessTheBenchmarkSaysOtherwise() {
        assertEquals(PromptTemplate.SHORT_ANSWER_SUFFIX, Benchmarks.get("gqa").suffix("llava"));
        assertEquals(PromptTemplate.OPTION_LETTER_SUFFIX, Benchmarks.get("seed").suffix("qwen2_vl"));
        assertEquals(PromptTemplate.VIZWIZ_SUFFIX, Benchmarks.get("vizwiz").suffix("llava"));
        assertEquals("", Benchmarks.get("mmvp").suffix("llava"));
        assertEquals("", Benchmarks.get("chair").suffix("llava"));
        assertEquals("", Benchmarks.get("pope").suffix("none"));
        assertEquals(PromptTemplate.MMVET_REASONING_PREFIX, Benchmarks.get("mmvet").prefix("qwen2_vl"));
        assertThrows(IllegalArgumentException.class, () -> Benchmarks.get("pope").suffix("auto"));
    }

    @Test
    void headlinesAndUnits() {
        assertEquals("circular_accuracy", Benchmarks.headline("mmbench", List.of("accuracy", "circular_accuracy")));
        assertEquals("accuracy", Benchmarks.headline("mmbench", List.of("accuracy")), "one round per row: no circular accuracy");
        assertEquals("pair_accuracy", Benchmarks.headline("mmvp", List.of("accuracy", "pair_accuracy")));
        assertEquals("perception", Benchmarks.headline("mme", List.of("perception", "cognition")));
        assertEquals("overall", Benchmarks.headline("cvbench", List.of("accuracy", "accuracy_2d", "accuracy_3d", "overall")));
        assertEquals("vqa_accuracy", Benchmarks.headline("my_vqa", List.of("vqa_accuracy")));
        assertEquals(Benchmark.Unit.POINTS, Benchmarks.unit("mme", "perception"));
        assertEquals(Benchmark.Unit.FRACTION, Benchmarks.unit("mme", "acc_plus"));
        assertEquals(Benchmark.Unit.WORDS, Benchmarks.unit("chair", "mean_length"));
        assertEquals(Benchmark.Unit.FRACTION, Benchmarks.unit("pope", "f1"));
    }
}
