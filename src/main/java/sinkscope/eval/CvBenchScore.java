package sinkscope.eval;

import java.util.Map;
import java.util.TreeMap;

/**
 * CV-Bench's accuracy as its README defines it: accuracy per source ({@code ADE20K}, {@code COCO}, {@code Omni3D}),
 * <pre>
 *   accuracy_2d = (acc_ADE20K + acc_COCO) / 2       accuracy_3d = acc_Omni3D
 *   accuracy    = (accuracy_2d + accuracy_3d) / 2
 * </pre>
 * A missing source makes the figures that need it NaN.
 */
public final class CvBenchScore {

    private final Map<String, long[]> bySource = new TreeMap<>();

    public CvBenchScore add(String source, boolean correct) {
        long[] c = bySource.computeIfAbsent(source, k -> new long[2]);
        c[0] += correct ? 1 : 0;
        c[1]++;
        return this;
    }

    public double sourceAccuracy(String source) {
        long[] c = bySource.get(source);
        return c == null ? Double.NaN : (double) c[0] / c[1];
    }

    public Map<String, Double> bySource() {
        Map<String, Double> m = new TreeMap<>();
        bySource.forEach((k, c) -> m.put(k, (double) c[0] / c[1]));
        return m;
    }

    public double accuracy2d() {
        return (sourceAccuracy("ADE20K") + sourceAccuracy("COCO")) / 2;
    }

    public double accuracy3d() {
        return sourceAccuracy("Omni3D");
    }

    public double accuracy() {
        return (accuracy2d() + accuracy3d()) / 2;
    }
}
