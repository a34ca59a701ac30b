package sinkscope.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;

class PromptTemplateTest {
    /** The registry's named templates, as the commands resolve {@code --template NAME}. */
    private static final java.util.Map<String, String> NAMED = sinkscope.model.auto.Families.templates();

    @Test
    void llavaHfMatchesTheGoldenManifest() {
        JsonObject m = Golden.manifest(Golden.llava());
        // the manifest writes the newline as the two characters \n, which a custom template reads as a newline
        assertEquals(PromptTemplate.of(m.get("prompt_format").getAsString()).template(),
                PromptTemplate.of("llava_hf", NAMED).template());
        assertEquals(m.get("pope_suffix").getAsString(), PromptTemplate.POPE_SUFFIX);
        PromptTemplate plain = PromptTemplate.of("llava_hf", NAMED);
        PromptTemplate pope = plain.withPopeSuffix(true);
        var prompts = m.getAsJsonArray("prompts");
        assertEquals(prompts.get(0).getAsJsonObject().get("text").getAsString(),
                plain.render("What is shown in this image?"));
        assertEquals(prompts.get(1).getAsJsonObject().get("text").getAsString(),
                pope.render("Is there a red circle in the image?"));
        // the manifest's own template, given as a custom one, renders the same
        assertEquals(pope.render("Is there a red circle in the image?"),
                PromptTemplate.of(m.get("prompt_format").getAsString()).withPopeSuffix(true)
                        .render("Is there a red circle in the image?"));
    }

    @Test
    void vicunaV1FollowsLlavaConversationSeparatorStyleTwo() {
        String system = "A chat between a curious human and an artificial intelligence assistant. "
                + "The assistant gives helpful, detailed, and polite answers to the human's questions.";
        // conv_vicuna_v1: system + sep(" ") + "USER: " + "<image>\n" + question + sep(" ") + "ASSISTANT:"
        assertEquals(system + " " + "USER: " + "<image>\n" + "Is there a cat in the image?" + " " + "ASSISTANT:",
                PromptTemplate.of("vicuna_v1", NAMED).render("Is there a cat in the image?"));
        assertEquals(system + " USER: <image>\nIs there a cat in the image? Answer the question using a single word "
                + "or phrase. ASSISTANT:", PromptTemplate.of("vicuna_v1", NAMED).withPopeSuffix(true).render("Is there a cat in the image?"));
    }

    @Test
    void plainAndCustomTemplates() {
        assertEquals("<image>\nWhat is it?", PromptTemplate.of("plain", NAMED).render("What is it?"));
        PromptTemplate custom = PromptTemplate.of("Q: <image>\\n{question}\\nA:");
        assertEquals("custom", custom.name());
        assertEquals("Q: <image>\nWhat is it?\nA:", custom.render("What is it?"));
        assertEquals("Q: <image>\n{question} literal\nA:", custom.render("{question} literal"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptTemplate.of("USER: <image>", NAMED));
        assertTrue(e.getMessage().contains("{question}") && e.getMessage().contains("'USER: <image>'"), e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> PromptTemplate.of("vicuna_v2", NAMED));
        for (String name : java.util.List.of("llava_hf", "vicuna_v1", "plain", "mistral_instruct", "qwen2_vl", "qwen3_vl", "internvl")) {
            assertTrue(unknown.getMessage().contains(name), unknown.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> PromptTemplate.of("llava_hf"), "no names known: a name is not a template");
    }

    @Test
    void popeSuffixIsNotAddedTwice() {
        PromptTemplate t = PromptTemplate.of("plain", NAMED).withPopeSuffix(true);
        String asked = "Is there a dog in the image? Answer the question using a single word or phrase.";
        assertEquals("<image>\n" + asked, t.render(asked));
        assertEquals("<image>\n" + asked, t.render("Is there a dog in the image?"));
        assertEquals("<image>\nIs there a dog in the image?", t.withPopeSuffix(false).render("Is there a dog in the image?"));
    }

    /**
     * Suffix modes per family: LLaVA-1.5's scripts ask MM-Vet and LLaVA-Bench's questions as they are ({@code model_vqa.py});
     * lmms-eval's {@code mmvet.yaml} puts its reasoning pre-prompt before MM-Vet's question (mode {@code qwen2_vl}, which
     * {@code auto} picks for the Qwen-VL families, {@code FamilySeamTest}); every other suffix is the same in both modes.
     */
    @Test
    void suffixModesPerFamily() {
        String q = "What is x in the equation?";
        assertEquals(q, sinkscope.benchmark.Benchmarks.of("mmvet", "judge").ask("llava", q, java.util.List.of()));
        assertEquals(q, sinkscope.benchmark.Benchmarks.of("llavabench", "judge").ask("llava", q, java.util.List.of()));
        String reasoning = "First please perform reasoning, and think step by step to provide best answer to the following question: \n\n" + q;
        assertEquals(reasoning, sinkscope.benchmark.Benchmarks.of("mmvet", "judge").ask("qwen2_vl", q, java.util.List.of()));
        assertEquals(reasoning, sinkscope.benchmark.Benchmarks.of("mmvet", "judge").ask("qwen2_vl", reasoning, java.util.List.of()), "not put twice");
        assertEquals(q, sinkscope.benchmark.Benchmarks.of("llavabench", "judge").ask("qwen2_vl", q, java.util.List.of()));
        for (String b : java.util.List.of("pope", "mme", "mmbench", "scienceqa", "seed", "vqav2", "textvqa", "vizwiz", "gqa", "cvbench", "mmvp", "chair")) {
            String task = sinkscope.benchmark.Benchmarks.taskOf(b);
            assertEquals(sinkscope.benchmark.Benchmarks.of(b, task).suffix("llava"), sinkscope.benchmark.Benchmarks.of(b, task).suffix("qwen2_vl"), b);
            assertEquals("", sinkscope.benchmark.Benchmarks.of(b, null).prefix("qwen2_vl"), b);
        }
        assertEquals("", sinkscope.benchmark.Benchmarks.of("my_judge", "judge").suffix("llava"));
        assertThrows(IllegalArgumentException.class, () -> sinkscope.benchmark.Benchmarks.of("pope", "yes_no").suffix("auto"));
    }
}
