package sinkscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every decoder layer so far, after RoPE and before any grouped-query sharing: per layer one
 * preallocated buffer [2, B, kvHeads, capacity, headDim], the keys ({@code [0]}) and the values ({@code [1]}). A pass
 * hands its {@code Q} new rows as the stacked projection gives them, keys then values along the head axis
 * ([B, 2 kvHeads, Q, headDim]), and they land with one in-place write at positions {@code length..length+Q-1} (through
 * a [B, 2, kvHeads, capacity, headDim] view of the buffer made once); attention reads views of the filled prefix
 * {@code [0, length+Q)}: the keys transposed ([B, kvHeads, headDim, K], what {@code q k^T} multiplies) and the values
 * [B, kvHeads, K, headDim], each with the batch and head axes of one contiguous block, so a batched product reads them
 * in place. Nothing is copied per token. The first pass sizes the buffers for its rows plus {@code room} (a
 * generation's {@code max_new_tokens}); a pass that outgrows them moves the prefix once into buffers twice as long
 * (amortised: {@code O(log n)} moves over a generation of {@code n} tokens). Buffers live in the manager of the first
 * pass's rows (the sample's, outside the per-layer scopes); {@link #close()} frees them.
 */
public final class KvCache implements AutoCloseable {
    private static final int POS = 3; // the position axis of a buffer

    private final NDArray[] buffers;
    private final NDArray[] slots; // [B, 2, kvHeads, capacity, headDim]: the buffer with its first two axes swapped
    private final NDArray[] keysT; // [B, kvHeads, headDim, capacity]
    private final NDArray[] values; // [B, kvHeads, capacity, headDim]
    private final int[] lengths;
    private final int room;

    /** A cache for {@code layers} layers whose buffers grow on demand. */
    public KvCache(int layers) {
        this(layers, 0);
    }

    /** A cache for {@code layers} layers with room for {@code room} positions after the first pass (the decode steps). */
    public KvCache(int layers, int room) {
        buffers = new NDArray[layers];
        slots = new NDArray[layers];
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
        return buffers[0] == null ? 0 : (int) buffers[0].getShape().get(POS);
    }

    /**
     * Writes this pass's keys and values {@code kv} [B, 2 kvHeads, Q, headDim] (keys first) of {@code layer} after the
     * cached rows and returns views of the whole filled prefix: {keys^T [B, kvHeads, headDim, K], values
     * [B, kvHeads, K, headDim]}.
     */
    NDArray[] append(int layer, NDArray kv) {
        long[] s = kv.getShape().getShape();
        int at = lengths[layer];
        long need = at + s[2];
        if (buffers[layer] == null || need > buffers[layer].getShape().get(POS)) {
            long capacity = buffers[layer] == null ? need + room : Math.max(need, 2 * buffers[layer].getShape().get(POS));
            NDArray old = buffers[layer];
            NDArray[] views = {slots[layer], keysT[layer], values[layer]};
            set(layer, grow(old, kv, at, capacity));
            close(views);
            close(old);
        }
        Torch.write(slots[layer], kv.reshape(s[0], 2, s[1] / 2, s[2], s[3]), POS, at);
        lengths[layer] = (int) need;
        return new NDArray[] {Torch.narrow(keysT[layer], 3, 0, need), Torch.narrow(values[layer], 2, 0, need)};
    }

    /** Makes {@code buffer} layer {@code l}'s, with its views (outside any scope: they live with it). */
    private void set(int l, NDArray buffer) {
        buffers[l] = buffer;
        slots[l] = buffer.transpose(1, 0, 2, 3, 4);
        keysT[l] = buffer.get(0).transpose(0, 1, 3, 2);
        values[l] = buffer.get(1);
        NDScope.unregister(slots[l], keysT[l], values[l]);
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
                long[] s = buffers[l].getShape().getShape();
                try (NDArray prefix = Torch.narrow(slots[l], POS, 0, lengths[l]); NDArray picked = prefix.get(index)) {
                    if (rows.length != s[1]) {
                        NDArray old = buffers[l];
                        NDArray[] views = {slots[l], keysT[l], values[l]};
                        NDArray buffer = old.getManager().create(new Shape(2, rows.length, s[2], s[3], s[4]), old.getDataType(), old.getDevice());
                        NDScope.unregister(buffer);
                        set(l, buffer);
                        close(views);
                        close(old);
                    }
                    Torch.write(slots[l], picked, POS, 0);
                }
            }
        }
    }

    /**
     * A new cache holding this one's filled positions in buffers of its own, with room for {@code room} more: a prompt
     * prefix computed once, continued by each prompt that shares it ({@link SharedPrefixes}).
     */
    KvCache copy(int room) {
        KvCache c = new KvCache(buffers.length, room);
        for (int l = 0; l < buffers.length; l++) {
            long[] s = buffers[l].getShape().getShape();
            NDArray buffer = buffers[l].getManager().create(new Shape(s[0], s[1], s[2], lengths[l] + (long) room, s[4]), buffers[l].getDataType(),
                    buffers[l].getDevice());
            NDScope.unregister(buffer);
            try (NDArray prefix = Torch.narrow(buffers[l], POS, 0, lengths[l])) {
                Torch.write(buffer, prefix, POS, 0);
            }
            c.set(l, buffer);
            c.lengths[l] = lengths[l];
        }
        return c;
    }

    /**
     * One-row caches as the rows of one left-padded batch of {@code length} positions (room for {@code room} more):
     * row {@code b} holds {@code rows.get(b)}'s {@code n_b} positions at {@code [length - n_b, length)} and zeros
     * before them (pad keys, which the batch's mask hides; zeros so that no uninitialised NaN reaches a product), the
     * layout {@link BatchedPrompts#prefill} leaves. The row caches stay open.
     */
    static KvCache stack(java.util.List<KvCache> rows, int length, int room) {
        KvCache c = new KvCache(rows.get(0).buffers.length, room);
        for (int l = 0; l < c.buffers.length; l++) {
            NDArray first = rows.get(0).buffers[l];
            long[] s = first.getShape().getShape();
            NDArray buffer = first.getManager().create(new Shape(s[0], rows.size(), s[2], length + (long) room, s[4]), first.getDataType(), first.getDevice());
            NDScope.unregister(buffer);
            for (int b = 0; b < rows.size(); b++) {
                KvCache row = rows.get(b);
                int n = row.lengths[l];
                if (row.rows() != 1 || n > length) {
                    buffer.close();
                    throw new IllegalArgumentException("row " + b + " of " + row.rows() + " rows and " + n + " positions in a batch of " + length);
                }
                try (NDArray target = Torch.narrow(buffer, 1, b, b + 1); NDArray filled = Torch.narrow(row.buffers[l], POS, 0, n)) {
                    if (n < length) {
                        try (NDArray zeros = first.getManager().zeros(new Shape(s[0], 1, s[2], length - n, s[4]), first.getDataType(), first.getDevice())) {
                            Torch.write(target, zeros, POS, 0);
                        }
                    }
                    Torch.write(target, filled, POS, length - n);
                }
            }
            c.set(l, buffer);
            c.lengths[l] = length;
        }
        return c;
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
        return buffers[0] == null ? 0 : (int) buffers[0].getShape().get(1);
    }

    /** A buffer of {@code capacity} positions for rows shaped as {@code kv}, holding the first {@code filled} positions of {@code old}. */
    private static NDArray grow(NDArray old, NDArray kv, int filled, long capacity) {
        long[] s = kv.getShape().getShape();
        NDArray buffer = kv.getManager().create(new Shape(2, s[0], s[1] / 2, capacity, s[3]), kv.getDataType(), kv.getDevice());
        NDScope.unregister(buffer);
        if (old != null) {
            try (NDArray prefix = Torch.narrow(old, POS, 0, filled)) {
                Torch.write(buffer, prefix, POS, 0);
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
            close(slots[i], keysT[i], values[i], buffers[i]);
            buffers[i] = null;
            slots[i] = null;
            keysT[i] = null;
            values[i] = null;
            lengths[i] = 0;
        }
    }
}
