package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * {@link KvCache#select}: a beam reorder keeps the preallocated buffers (same capacity, rows permuted/repeated in
 * place), an expansion (one prefill row to its beams) moves to buffers with the new row count; later appends land
 * after the filled prefix of every row; keys come back transposed ([B, kvHeads, headDim, K]) and values as written.
 */
class KvCacheSelectTest {

    @Test
    void reorderAndExpand() {
        Torch.configure(2);
        try (NDManager m = NDManager.newBaseManager(); KvCache cache = new KvCache(2, 4)) {
            // one prompt row of 3 positions, kvHeads 1, headDim 2: value = position * 10 + layer
            for (int l = 0; l < 2; l++) {
                NDArray k = m.arange(0f, 6f).reshape(1, 1, 3, 2).add(100 * l);
                cache.append(l, k.concat(k.mul(-1), 1));
            }
            assertEquals(7, cache.capacity());
            cache.select(new long[] {0, 0, 0});
            assertEquals(3, cache.rows());
            assertEquals(7, cache.capacity(), "expansion keeps the capacity");
            // a step per row: row r appends value 1000 + r
            NDArray[] filled = null;
            for (int l = 0; l < 2; l++) {
                NDArray k = m.create(new float[] {1000, 1000, 1001, 1001, 1002, 1002}).reshape(3, 1, 1, 2);
                filled = cache.append(l, k.concat(k, 1));
            }
            assertEquals(new Shape(3, 1, 2, 4), filled[0].getShape());
            assertEquals(new Shape(3, 1, 4, 2), filled[1].getShape());
            cache.select(new long[] {2, 0, 0});
            assertEquals(3, cache.rows());
            assertEquals(7, cache.capacity(), "a reorder stays in the preallocated buffer");
            NDArray k = m.create(new float[] {7, 7, 8, 8, 9, 9}).reshape(3, 1, 1, 2);
            NDArray[] last = cache.append(1, k.concat(k.mul(-1), 1));
            float[] keys = last[0].transpose(0, 1, 3, 2).toFloatArray();
            // row 0 came from old row 2, rows 1 and 2 from old row 0
            assertArrayEquals(new float[] {100, 101, 102, 103, 104, 105, 1002, 1002, 7, 7}, java.util.Arrays.copyOfRange(keys, 0, 10));
            assertArrayEquals(new float[] {100, 101, 102, 103, 104, 105, 1000, 1000, 8, 8}, java.util.Arrays.copyOfRange(keys, 10, 20));
            assertArrayEquals(new float[] {100, 101, 102, 103, 104, 105, 1000, 1000, 9, 9}, java.util.Arrays.copyOfRange(keys, 20, 30));
            float[] values = last[1].toFloatArray();
            assertEquals(-100, values[0], "values follow the keys");
            assertEquals(1002, values[6], "values follow the keys");
        }
    }
}
