package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * Keys and values of every decoder layer so far, [B, kvHeads, length, headDim] each, after RoPE and before the
 * grouped-query repeat. Arrays live in the sample's manager (outside the per-layer scopes) and are replaced as
 * the sequence grows; {@link #close()} frees them.
 */
public final class KvCache implements AutoCloseable {
    private final NDArray[] keys;
    private final NDArray[] values;

    public KvCache(int layers) {
        keys = new NDArray[layers];
        values = new NDArray[layers];
    }

    /** Number of positions cached (0 before the prefill). */
    public int length() {
        return keys[0] == null ? 0 : (int) keys[0].getShape().get(2);
    }

    /** Appends this pass's {@code k}, {@code v} for {@code layer} and returns the full [B, kvHeads, K, headDim] pair. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        NDArray fullK = keys[layer] == null ? k : keys[layer].concat(k, 2);
        NDArray fullV = values[layer] == null ? v : values[layer].concat(v, 2);
        NDScope.unregister(fullK, fullV);
        if (keys[layer] != null) {
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = fullK;
        values[layer] = fullV;
        return new NDArray[] {fullK, fullV};
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].close();
                values[i].close();
                keys[i] = null;
                values[i] = null;
            }
        }
    }
}
