package sinkscope.model.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import org.junit.jupiter.api.Test;

class PatchGeometryTest {

    private static int[] on(boolean[] mask) {
        return java.util.stream.IntStream.range(0, mask.length).filter(i -> mask[i]).toArray();
    }

    @Test
    void squareImageMapsByScaleOnly() {
        // 224x224 image to 112 px, 4x4 grid of 28 px patches: box (0,0)-(112,112) covers the top-left 2x2 patches
        boolean[] m = PatchGeometry.objectPatches(224, 224, sinkscope.model.clip.ClipImageProcessor.Mode.CROP, 112, 28, new double[] {0, 0, 112, 112});
        assertArrayEquals(new int[] {0, 1, 4, 5}, on(m));
    }

    @Test
    void cropDropsTheSidesOfAWideImage() {
        // 200x100 -> resized 224x112 -> crop 112 at left offset 56: the box x in [0,56) of the original is cropped away
        boolean[] left = PatchGeometry.objectPatches(200, 100, sinkscope.model.clip.ClipImageProcessor.Mode.CROP, 112, 28, new double[] {0, 0, 20, 100});
        assertEquals(0, on(left).length);
        boolean[] centre = PatchGeometry.objectPatches(200, 100, sinkscope.model.clip.ClipImageProcessor.Mode.CROP, 112, 28, new double[] {75, 0, 125, 100});
        // x 75..125 -> 84..140 resized -> 28..84 in the crop: patch columns 1 and 2, every row
        assertArrayEquals(new int[] {1, 2, 5, 6, 9, 10, 13, 14}, on(centre));
    }

    @Test
    void padKeepsTheWholeImageCentred() {
        // 200x100 pasted at y offset 50 on a 200 square, scaled by 112/200
        boolean[] m = PatchGeometry.objectPatches(200, 100, sinkscope.model.clip.ClipImageProcessor.Mode.PAD, 112, 28, new double[] {0, 0, 200, 100});
        // y 0..100 -> 50..150 -> 28..84: rows 1 and 2
        assertArrayEquals(new int[] {4, 5, 6, 7, 8, 9, 10, 11}, on(m));
    }

    @Test
    void aTinyBoxGetsThePatchUnderItsCentre() {
        boolean[] m = PatchGeometry.objectPatches(112, 112, sinkscope.model.clip.ClipImageProcessor.Mode.CROP, 112, 28, new double[] {30, 60, 34, 64});
        assertArrayEquals(new int[] {9}, on(m));
    }
}
