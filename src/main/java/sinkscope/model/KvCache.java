package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every decoder layer so far, after RoPE and before any grouped-query sharing: per layer one
 * preallocated buffer [B, 2 kvHeads, capacity, headDim] holding the keys (heads {@code 0..kvHeads-1}) and the values
 * (heads {@code kvHeads..2 kvHeads-1}) side by side, as the stacked projection gives them. A pass writes its {@code Q}
 * new key and value rows with one in-place write at positions {@code length..length+Q-1} and attends over views of
 * the filled prefix {@code [0, length+Q)}: the keys transposed ([B, kvHeads, headDim, K], a view made once per
 * buffer, what {@code q k^T} multiplies) and the values [B, kvHeads, K, headDim]; nothing is copied per token. The
 * first pass sizes the buffers for its rows plus {@code room} (a generation's {@code max_new_tokens}); a pass that
 * outgrows them moves the prefix once into buffers twice as long (amortised: {@code O(log n)} moves over a
 * generation of {@code n} tokens). Buffers live in the manager of the first pass's rows (the sample's, outside the
 * per-layer scopes); {@link #close()} frees them.
 */
public final class KvCache implements AutoCloseable {
    private final NDArray[] buffers;
    private final NDArray[] keysT; // [B, kvHeads, headDim, capacity]: transposed view of each buffer's key heads
    private final NDArray[] values; // [B, kvHeads, capacity, headDim]: view of its value heads
    private final int[] lengths;
    private final int room;

    /** A cache for {@code layers} layers whose buffers grow on demand. */
    public KvCache(int layers) {
        this(layers, 0);
    }

    /** A cache for {@code layers} layers with room for {@code room} positions after the first pass (the decode steps). */
    public KvCache(int layers, int room) {
        buffers = new NDArray[layers];
        keysT = new NDArray[layers];
        values = new NDArray[layers];
        lengths = new int[layers];
        this.room = Math.max(0, room);
    }

    /** Number of positions cached (0 before the prefill). */
    public int length() {
        return lengths[0];
    }

    /** Positions the buffers hold before they must grow (0 before the first pass). */
    public int capacity() {
        return buffers[0] == null ? 0 : (int) buffers[0].getShape().get(2);
    }

    /**
     * Writes this pass's keys and values {@code kv} [B, 2 kvHeads, Q, headDim] (keys first) of {@code layer} after the
     * cached rows and returns views of the whole filled prefix: {keys^T [B, kvHeads, headDim, K], values
     * [B, kvHeads, K, headDim]}.
     */
    NDArray[] append(int layer, NDArray kv) {
        int at = lengths[layer];
        long q = kv.getShape().get(2);
        long need = at + q;
        if (buffers[layer] == null || need > buffers[layer].getShape().get(2)) {
            long capacity = buffers[layer] == null ? need + room : Math.max(need, 2 * buffers[layer].getShape().get(2));
            NDArray[] old = {buffers[layer], keysT[layer], values[layer]};
            set(layer, grow(buffers[layer], kv, at, capacity));
            close(old);
        }
        Torch.write(buffers[layer], kv, 2, at);
        lengths[layer] = (int) need;
        return new NDArray[] {Torch.narrow(keysT[layer], 3, 0, need), Torch.narrow(values[layer], 2, 0, need)};
    }

    /** Makes {@code buffer} layer {@code l}'s, with its key and value views (outside any scope: they live with it). */
    private void set(int l, NDArray buffer) {
        long kv = buffer.getShape().get(1) / 2;
        buffers[l] = buffer;
        keysT[l] = Torch.narrow(buffer, 1, 0, kv).transpose(0, 1, 3, 2);
        values[l] = Torch.narrow(buffer, 1, kv, 2 * kv);
        NDScope.unregister(keysT[l], values[l]);
    }

    /**
     * Keeps batch rows {@code rows} (indices into the current rows, repeats allowed) in that order: the beam reorder
     * ({@code Cache.reorder_cache}). Per layer one {@code index_select} of the filled prefix and one copy back into the
     * preallocated buffer when the row count stays; a new buffer of the same capacity when it changes (a sample's
     * one prefill row expanded to its beams).
     */
    public void select(long[] rows) {
        if (buffers[0] == null) {
            throw new IllegalStateException("select before the first pass");
        }
        try (NDArray index = buffers[0].getManager().create(rows).toDevice(buffers[0].getDevice(), false)) {
            for (int l = 0; l < buffers.length; l++) {
                NDArray buffer = buffers[l];
                NDArray picked = pick(buffer, index, lengths[l]);
                if (picked != buffer) {
                    NDArray[] old = {buffer, keysT[l], values[l]};
                    set(l, picked);
                    close(old);
                }
            }
        }
    }

    /** Rows {@code index} of {@code buffer}'s first {@code filled} positions, in place when the row count stays. */
    private static NDArray pick(NDArray buffer, NDArray index, int filled) {
        long[] s = buffer.getShape().getShape();
        try (NDArray prefix = Torch.narrow(buffer, 2, 0, filled); NDArray picked = prefix.get(index)) {
            NDArray target = buffer;
            if (index.getShape().get(0) != s[0]) {
                target = buffer.getManager().create(new Shape(index.getShape().get(0), s[1], s[2], s[3]), buffer.getDataType(), buffer.getDevice());
                NDScope.unregister(target);
            }
            Torch.write(target, picked, 2, 0);
            return target;
        }
    }

    /** Batch rows of the buffers (0 before the first pass). */
    public int rows() {
        return buffers[0] == null ? 0 : (int) buffers[0].getShape().get(0);
    }

    /** A buffer of {@code capacity} positions shaped as {@code like}, holding the first {@code filled} rows of {@code old}. */
    private static NDArray grow(NDArray old, NDArray like, int filled, long capacity) {
        long[] s = like.getShape().getShape();
        NDArray buffer = like.getManager().create(new Shape(s[0], s[1], capacity, s[3]), like.getDataType(), like.getDevice());
        NDScope.unregister(buffer);
        if (old != null) {
            try (NDArray prefix = Torch.narrow(old, 2, 0, filled)) {
                Torch.write(buffer, prefix, 2, 0);
            }
        }
        return buffer;
    }

    private static void close(NDArray... arrays) {
        for (NDArray a : arrays) {
            if (a != null) {
                a.close();
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < buffers.length; i++) {
            close(keysT[i], values[i], buffers[i]);
            buffers[i] = null;
            keysT[i] = null;
            values[i] = null;
            lengths[i] = 0;
        }
    }
}
