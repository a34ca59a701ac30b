package sinkscope.model.llava;
import sinkscope.model.clip.ClipImageProcessor;

/**
 * Which vision patches an object's box covers after CLIP preprocessing. A box {@code (x0, y0, x1, y1)} in the
 * original image's pixels is mapped as the image is: {@link ClipImageProcessor.Mode#CROP} scales by
 * {@code s = size / min(w, h)} and shifts by the centre crop's offset {@code ((W' - size) / 2, (H' - size) / 2)};
 * {@link ClipImageProcessor.Mode#PAD} first pastes the image at {@code ((M - w) / 2, (M - h) / 2)} on an
 * {@code M = max(w, h)} square, then scales by {@code size / M}. Patch {@code (i, j)} (row-major) is on the object
 * when its centre lies inside the mapped box; a box too small to contain any centre gets the patch under its centre.
 */
public final class PatchGeometry {
    private PatchGeometry() {}

    public static boolean[] objectPatches(int width, int height, ClipImageProcessor.Mode mode, int size, int patch, double[] box) {
        double x0 = box[0];
        double y0 = box[1];
        double x1 = box[2];
        double y1 = box[3];
        double scale;
        double dx;
        double dy;
        if (mode == ClipImageProcessor.Mode.PAD) {
            int m = Math.max(width, height);
            scale = size / (double) m;
            dx = (m - width) / 2 * scale;
            dy = (m - height) / 2 * scale;
        } else {
            scale = size / (double) Math.min(width, height);
            int rw = width <= height ? size : (int) (size * (double) width / height);
            int rh = height <= width ? size : (int) (size * (double) height / width);
            dx = -((rw - size) / 2);
            dy = -((rh - size) / 2);
        }
        double bx0 = x0 * scale + dx;
        double by0 = y0 * scale + dy;
        double bx1 = x1 * scale + dx;
        double by1 = y1 * scale + dy;
        int grid = size / patch;
        boolean[] on = new boolean[grid * grid];
        boolean any = false;
        for (int i = 0; i < grid; i++) {
            for (int j = 0; j < grid; j++) {
                double cx = (j + 0.5) * patch;
                double cy = (i + 0.5) * patch;
                if (cx >= bx0 && cx < bx1 && cy >= by0 && cy < by1) {
                    on[i * grid + j] = true;
                    any = true;
                }
            }
        }
        if (!any) {
            int j = (int) Math.floor((bx0 + bx1) / 2 / patch);
            int i = (int) Math.floor((by0 + by1) / 2 / patch);
            if (i >= 0 && i < grid && j >= 0 && j < grid) {
                on[i * grid + j] = true;
            }
        }
        return on;
    }
}
