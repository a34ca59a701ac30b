package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;
import sinkscope.model.llava.Llava;

/**
 * {@link AttentionHook#actsOn}: in a batched generation (prompts of different lengths, so the batch pads), a hook that
 * acts on the prefill only is called in the prefill's layers and in no decode step, one that acts always is called
 * in every decode step too, and the tokens are those of the hook-free batch.
 */
class HookActsOnTest {

    /** Counts the attention calls it gets, by prefill and decode. */
    private static final class Counting implements AttentionHook {
        final boolean prefillOnly;
        int prefill;
        int decode;

        Counting(boolean prefillOnly) {
            this.prefillOnly = prefillOnly;
        }

        @Override
        public boolean actsOn(ForwardStep step) {
            return !prefillOnly || step.isPrefill();
        }

        @Override
        public NDArray onAttention(int layer, NDArray attn, ForwardStep step) {
            if (step.isPrefill()) {
                prefill++;
            } else {
                decode++;
            }
            return attn;
        }
    }

    @Test
    void aPrefillOnlyHookSkipsTheDecodeSteps() {
        Torch.configure(2);
        try (Llava model = Llava.load(Golden.llava(), Device.cpu(), DataType.FLOAT32); NDManager m = model.newSampleManager()) {
            long d = model.language().config().hiddenSize();
            int layers = model.numLayers();
            List<Merged> merged = new ArrayList<>();
            for (int len : new int[] {20, 24, 28}) {
                merged.add(new Merged(m.randomNormal(0, 0.05f, new Shape(1, len, d), DataType.FLOAT32), 2, 10));
            }
            int tokens = 5;
            List<GenerateOptions> opts = Collections.nCopies(3, new GenerateOptions(tokens, false, 0));
            List<Generation> free = model.greedy(m, merged, opts, Collections.nCopies(3, (AttentionHook) null));
            List<Counting> prefillOnly = List.of(new Counting(true), new Counting(true), new Counting(true));
            List<Generation> skipped = model.greedy(m, merged, opts, new ArrayList<AttentionHook>(prefillOnly));
            List<Counting> always = List.of(new Counting(false), new Counting(true), new Counting(true));
            List<Generation> mixed = model.greedy(m, merged, opts, new ArrayList<AttentionHook>(always));
            for (int i = 0; i < 3; i++) {
                assertEquals(tokens, free.get(i).tokens().length);
                assertArrayEquals(free.get(i).tokens(), skipped.get(i).tokens(), "sample " + i + " tokens, prefill-only hooks");
                assertArrayEquals(free.get(i).tokens(), mixed.get(i).tokens(), "sample " + i + " tokens, one hook acting always");
                assertEquals(layers, prefillOnly.get(i).prefill, "sample " + i + ": every prefill layer");
                assertEquals(0, prefillOnly.get(i).decode, "sample " + i + ": no decode step");
                assertEquals(layers, always.get(i).prefill);
            }
            assertTrue(always.get(0).decode > 0 && always.get(0).decode % layers == 0, "every layer of each decode step: " + always.get(0).decode);
            assertEquals(0, always.get(1).decode + always.get(2).decode, "prefill-only hooks beside one that acts: still not called");
        }
    }
}
