package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every decoder layer so far, after RoPE and before any grouped-query sharing: per layer one
 * preallocated buffer [B, kvHeads, capacity, headDim] for keys and one for values. A pass writes its {@code Q} new
 * rows in place at positions {@code length..length+Q-1} and attends over views of the filled prefix
 * {@code [0, length+Q)}; nothing is copied per token. The first pass sizes the buffers for its rows plus
 * {@code room} (a generation's {@code max_new_tokens}); a pass that outgrows them moves the prefix once into buffers
 * twice as long (amortised: {@code O(log n)} moves over a generation of {@code n} tokens). Buffers live in the
 * manager of the first pass's keys (the sample's, outside the per-layer scopes); {@link #close()} frees them.
 */
public final class KvCache implements AutoCloseable {
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int[] lengths;
    private final int room;

    /** A cache for {@code layers} layers whose buffers grow on demand. */
    public KvCache(int layers) {
        this(layers, 0);
    }

    /** A cache for {@code layers} layers with room for {@code room} positions after the first pass (the decode steps). */
    public KvCache(int layers, int room) {
        keys = new NDArray[layers];
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
        return keys[0] == null ? 0 : (int) keys[0].getShape().get(2);
    }

    /**
     * Writes this pass's {@code k}, {@code v} [B, kvHeads, Q, headDim] of {@code layer} after the cached rows and
     * returns views of the whole filled prefix, {keys, values} [B, kvHeads, K, headDim].
     */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        int at = lengths[layer];
        long q = k.getShape().get(2);
        long need = at + q;
        if (keys[layer] == null || need > keys[layer].getShape().get(2)) {
            long capacity = keys[layer] == null ? need + room : Math.max(need, 2 * keys[layer].getShape().get(2));
            keys[layer] = grow(keys[layer], k, at, capacity);
            values[layer] = grow(values[layer], v, at, capacity);
        }
        Torch.write(keys[layer], k, 2, at);
        Torch.write(values[layer], v, 2, at);
        lengths[layer] = (int) need;
        return new NDArray[] {Torch.narrow(keys[layer], 2, 0, need), Torch.narrow(values[layer], 2, 0, need)};
    }

    /**
     * Keeps batch rows {@code rows} (indices into the current rows, repeats allowed) in that order: the beam reorder
     * ({@code Cache.reorder_cache}). Per layer one {@code index_select} of the filled prefix and one copy back into the
     * preallocated buffer when the row count stays; a new buffer of the same capacity when it changes (a sample's
     * one prefill row expanded to its beams).
     */
    public void select(long[] rows) {
        if (keys[0] == null) {
            throw new IllegalStateException("select before the first pass");
        }
        try (NDArray index = keys[0].getManager().create(rows).toDevice(keys[0].getDevice(), false)) {
            for (int l = 0; l < keys.length; l++) {
                keys[l] = pick(keys[l], index, lengths[l]);
                values[l] = pick(values[l], index, lengths[l]);
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
                buffer.close();
            }
            Torch.write(target, picked, 2, 0);
            return target;
        }
    }

    /**
     * Forgets every position from {@code length} on (a pass tried and undone: OPERA's candidate passes); the buffers
     * stay and the next pass overwrites those positions.
     */
    void truncate(int length) {
        if (length < 0 || length > lengths[0]) {
            throw new IllegalArgumentException("cannot truncate a cache of " + lengths[0] + " positions to " + length);
        }
        java.util.Arrays.fill(lengths, length);
    }

    /** Batch rows of the buffers (0 before the first pass). */
    public int rows() {
        return keys[0] == null ? 0 : (int) keys[0].getShape().get(0);
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
            old.close();
        }
        return buffer;
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
            lengths[i] = 0;
        }
    }
}
