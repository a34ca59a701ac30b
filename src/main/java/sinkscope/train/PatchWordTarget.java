package sinkscope.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import sinkscope.data.SyntheticScene;
import sinkscope.model.llava.Llava;

/**
 * Stage 2's patch-word alignment target: the image token at patch {@code p} should look, to the decoder, like the word
 * that stands at {@code p} in the scene's text version (stage 0's scene texts): {@code background} where no object covers
 * the patch, else the covering object's class word ({@link VisionPretraining#patchClasses}, the labels of stage 1's probe).
 *
 * <p>{@code L_align = sum_{i,p} ||x_ip - e_ip||^2 / sum_{i,p} ||e_ip||^2} over a batch's images {@code i} and patches
 * {@code p}: {@code x_ip} the projector's output, {@code e_ip} the token embedding of the patch's word, out of the
 * gradient (a target, never moved towards the image). Relative, so that a weight means the same whatever the
 * embeddings' scale; 0 when every image token equals its word's embedding, 1 when the projector outputs zeros.
 */
final class PatchWordTarget {
    private PatchWordTarget() {}

    /** The word id of every patch of a {@code grid x grid} patch grid of {@code scene}, raster order (as the image tokens). */
    static int[] words(SyntheticScene scene, int grid, WordLevelTokenizer vocabulary) {
        int[] classes = VisionPretraining.patchClasses(scene, grid);
        int[] ids = new int[classes.length];
        for (int p = 0; p < classes.length; p++) {
            ids[p] = vocabulary.id(classes[p] < 0 ? WordLevelTokenizer.BACKGROUND : WordLevelTokenizer.classWord(classes[p]));
        }
        return ids;
    }

    /** {@code L_align} (a scalar in {@code m}) of projected features {@code x [I, N, D]} against the words {@code [I][N]}. */
    static NDArray loss(NDManager m, Llava model, NDArray x, int[][] words) {
        int images = words.length;
        int n = words[0].length;
        if (x.getShape().get(0) != images || x.getShape().get(1) != n) {
            throw new IllegalArgumentException("patch words for " + images + " x " + n + " image tokens, features " + x.getShape());
        }
        long[] ids = new long[images * n];
        for (int i = 0; i < images; i++) {
            for (int p = 0; p < n; p++) {
                ids[i * n + p] = words[i][p];
            }
        }
        NDArray e = model.language().embed(m.create(ids, new Shape(images, n)));
        e.attach(m);
        NDArray target = e.stopGradient();
        return x.sub(target).square().sum().div(target.square().sum());
    }
}
