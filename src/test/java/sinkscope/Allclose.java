package sinkscope;

import static org.junit.jupiter.api.Assertions.fail;

/** numpy.allclose semantics, {@code |actual - expected| <= atol + rtol * |expected|}, with a useful failure message. */
public final class Allclose {
    private Allclose() {}

    public static void assertClose(String what, float[] actual, float[] expected, double atol, double rtol) {
        if (actual.length != expected.length) {
            fail(what + ": length " + actual.length + " != expected " + expected.length);
        }
        int bad = 0;
        int worst = -1;
        double worstExcess = 0;
        double maxAbs = 0;
        for (int i = 0; i < actual.length; i++) {
            double diff = Math.abs((double) actual[i] - expected[i]);
            maxAbs = Math.max(maxAbs, diff);
            double excess = diff - (atol + rtol * Math.abs(expected[i]));
            if (excess > 0 || Double.isNaN(diff)) {
                bad++;
                if (worst < 0 || excess > worstExcess || Double.isNaN(diff)) {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }
        if (bad > 0) {
            fail(String.format("%s: %d of %d elements outside atol=%g rtol=%g; worst at flat index %d: actual %s expected %s (max |diff| %g)",
                    what, bad, actual.length, atol, rtol, worst, actual[worst], expected[worst], maxAbs));
        }
    }

    /** Largest absolute difference (for reporting). */
    public static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    /** Top-k ids [steps * 16] must match exactly except between neighbours whose golden values differ by < 1e-3 (their order may swap). */
    public static void assertTopIds(String what, long[] actual, long[] expected, float[] values) {
        for (int i = 0; i < expected.length; i++) {
            if (actual[i] == expected[i]) {
                continue;
            }
            boolean tieBefore = i % 16 > 0 && Math.abs(values[i] - values[i - 1]) < 1e-3;
            boolean tieAfter = i % 16 < 15 && Math.abs(values[i] - values[i + 1]) < 1e-3;
            if (!tieBefore && !tieAfter) {
                fail(what + ": id at flat index " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    /**
     * Checks every tensor a golden manifest sample lists (except {@code inputs}) against what the test computed:
     * floats within the tensor's atol/rtol, ids exactly, {@code logits.argmax} except at the listed
     * {@code argmax_near_ties}, top-16 ids up to swaps of near-equal neighbours. A listed tensor the test did not
     * compute fails. Returns how many were checked.
     */
    public static int assertManifestTensors(String label, com.google.gson.JsonObject sample, sinkscope.model.SafeTensors golden,
            java.util.Map<String, float[]> got, java.util.Map<String, long[]> gotIds, java.util.Set<String> inputs) {
        java.util.List<Integer> nearTies = new java.util.ArrayList<>();
        if (sample.has("argmax_near_ties")) {
            for (com.google.gson.JsonElement e : sample.getAsJsonArray("argmax_near_ties")) {
                nearTies.add(e.isJsonObject() ? e.getAsJsonObject().get("position").getAsInt() : e.getAsInt());
            }
        }
        int checked = 0;
        for (com.google.gson.JsonElement te : sample.getAsJsonArray("tensors")) {
            com.google.gson.JsonObject t = te.getAsJsonObject();
            String name = t.get("name").getAsString();
            if (inputs.contains(name)) {
                continue;
            }
            String what = label + " " + name;
            com.google.gson.JsonObject tol = t.getAsJsonObject("tolerance");
            if (got.containsKey(name)) {
                assertClose(what, got.get(name), golden.floats(name), tol.get("atol").getAsDouble(), tol.get("rtol").getAsDouble());
            } else if (gotIds.containsKey(name)) {
                long[] expected = golden.longs(name);
                long[] actual = gotIds.get(name);
                if (name.equals("logits.argmax")) {
                    for (int p : nearTies) {
                        actual[p] = expected[p];
                    }
                }
                if (name.endsWith("step_top16_ids")) {
                    assertTopIds(what, actual, expected, golden.floats(name.replace("_ids", "_values")));
                } else if (!java.util.Arrays.equals(expected, actual)) {
                    fail(what + ": ids differ: expected " + java.util.Arrays.toString(expected) + ", got " + java.util.Arrays.toString(actual));
                }
            } else {
                fail(what + ": the manifest lists a tensor this test does not compute");
            }
            checked++;
        }
        return checked;
    }
}
