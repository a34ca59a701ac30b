package sinkscope.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** {@link Torch#narrow}: the slice's values and shape, and writes through the view land in the array (VAR relies on it). */
class TorchNarrowTest {

    @Test
    void narrowIsAWritableViewOfTheSlice() {
        Torch.configure(1);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.arange(0f, 24f).reshape(2, 3, 4);
            NDArray view = Torch.narrow(a, 2, 1, 3);
            assertEquals(new Shape(2, 3, 2), view.getShape());
            assertArrayEquals(new float[] {1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22}, view.toFloatArray());

            view.muli(m.create(10f));
            float[] expected = new float[24];
            for (int i = 0; i < 24; i++) {
                int k = i % 4;
                expected[i] = k == 1 || k == 2 ? 10f * i : i;
            }
            assertArrayEquals(expected, a.toFloatArray());

            NDArray rows = Torch.narrow(a, 1, 2, 3);
            assertEquals(new Shape(2, 1, 4), rows.getShape());
            assertArrayEquals(new float[] {8, 90, 100, 11, 20, 210, 220, 23}, rows.toFloatArray());
        }
    }
}
