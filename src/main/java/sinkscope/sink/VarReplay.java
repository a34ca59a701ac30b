package sinkscope.sink;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import sinkscope.model.ForwardStep;

/**
 * Runs recorded decoder tensors through {@link VarHook} as the decoder would: the hidden state entering every layer of
 * the prefill pass {@code hidden} [L, B, T, D], and one pass's post-softmax attention {@code attn} [L, B, H, Q, K].
 * In prefill mode {@code Q = K = T} and the attention belongs to the prefill pass; in decode mode {@code Q = 1},
 * {@code K = T + 1} and it belongs to the first decode step (the sinks still come from the prefill hidden states).
 */
public final class VarReplay {
    private VarReplay() {}

    /**
     * {@code sinkMask} [L, B, T], {@code headforkMask} and {@code varRowsMask} [L, B, H, Q] (uint8) and the rewritten
     * attention {@code attnOut} [L, B, H, Q, K], all in the manager given to {@link #run}.
     */
    public record Result(NDArray sinkMask, NDArray headforkMask, NDArray varRowsMask, NDArray attnOut) {}

    public static Result run(NDManager manager, NDArray hidden, NDArray attn, boolean decode, int imageStart, int imageLength,
                             VarParams params) {
        long[] h = hidden.getShape().getShape();
        long[] a = attn.getShape().getShape();
        if (h.length != 4) {
            throw new IllegalArgumentException("hidden_states must be [L, B, T, D], got " + hidden.getShape());
        }
        if (a.length != 5 || a[0] != h[0] || a[1] != h[1]) {
            throw new IllegalArgumentException("attn must be [L, B, H, Q, K] with L = " + h[0] + ", B = " + h[1] + ", got " + attn.getShape());
        }
        long t = h[2];
        if (decode ? a[3] != 1 || a[4] != t + 1 : a[3] != t || a[4] != t) {
            throw new IllegalArgumentException("attn " + attn.getShape() + " does not fit " + (decode ? "a decode step" : "the prefill")
                    + " after " + t + " prompt tokens (expected Q = " + (decode ? 1 : t) + ", K = " + (decode ? t + 1 : t) + ")");
        }
        if (imageStart < 0 || imageLength <= 0 || imageStart + imageLength > t) {
            throw new IllegalArgumentException("image span [" + imageStart + ", " + (imageStart + imageLength) + ") does not fit " + t + " tokens");
        }
        int layers = (int) h[0];
        int imageEnd = imageStart + imageLength;
        ForwardStep prefill = new ForwardStep(-1, 0, (int) t, imageStart, imageEnd, layers);
        ForwardStep step = decode ? new ForwardStep(0, (int) t, 1, imageStart, imageEnd, layers) : prefill;
        try (VarHook hook = new VarHook(manager, params); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            hook.onStep(prefill);
            NDList outs = new NDList(layers);
            for (int l = 0; l < layers; l++) {
                hook.onLayerInput(l, hidden.get(l), prefill);
                if (!decode) {
                    outs.add(hook.onAttention(l, attn.get(l).duplicate(), prefill)); // VAR rewrites in place; attn may be a read-only file mapping
                }
            }
            if (decode) {
                hook.onStep(step);
                for (int l = 0; l < layers; l++) {
                    outs.add(hook.onAttention(l, attn.get(l).duplicate(), step));
                }
            }
            NDArray sinkMask = hook.sinkMask();
            NDArray headfork = decode ? hook.decodeHeadforkMask().reshape(layers, a[1], a[2], 1) : hook.headforkMask();
            NDArray rows = decode ? hook.decodeVarRowsMask().reshape(layers, a[1], a[2], 1) : hook.varRowsMask();
            NDArray out = NDArrays.stack(outs);
            Result r = new Result(sinkMask, headfork, rows, out);
            for (NDArray x : new NDArray[] {sinkMask, headfork, rows, out}) {
                NDScope.unregister(x);
                x.attach(manager);
            }
            return r;
        }
    }
}
