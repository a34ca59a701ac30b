package sinkscope.sink;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parameters of the three VAR stages (see {@code golden/var-unit-a/SPEC.md}).
 *
 * <ul>
 *   <li>{@code tau}: a token is a sink of layer l when phi = max_{d in sinkDims} |h_d| / RMS(h) &gt; tau (strict).
 *       Since phi &lt;= sqrt(D), a tau &gt;= sqrt(D) never fires: check {@link #tauReachable(int)}.</li>
 *   <li>{@code rho}, {@code summ}: HeadFork thresholds (see {@link ImageCentricHeads} for the two {@link HeadRule}s).</li>
 *   <li>{@code p}: fraction of the attention on sink tokens that VAR keeps.</li>
 *   <li>{@code exceptLastLayer}: leave layer L-1 unchanged (the documented intent; the released code ignores it).</li>
 *   <li>{@code sinkDims}: the sink dimensions D_sink of the LLM (see {@link KnownSinkDims}).</li>
 *   <li>{@code sinkLayersFrom}: sink detection runs on layers sinkLayersFrom..L-1 (the paper's "all" is 2).</li>
 * </ul>
 */
public record VarParams(double tau, double rho, double summ, double p, boolean exceptLastLayer, int[] sinkDims,
                        HeadRule headRule, int sinkLayersFrom) {

    /** How HeadFork selects an image-centric (batch, head, query) row; formulas in {@link ImageCentricHeads}. */
    public enum HeadRule {
        /** The released code: visual-sink portion &lt;= rho and image attention &gt;= summ. */
        OFFICIAL,
        /** The paper's wording: non-sink share of the image attention &gt;= rho and image attention &gt;= summ. */
        PAPER;

        public static HeadRule parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "official" -> OFFICIAL;
                case "paper" -> PAPER;
                default -> throw new IllegalArgumentException("head rule '" + s + "': expected official or paper");
            };
        }
    }

    /** The paper's tau = 20 at D = 4096, as a fraction of sqrt(D): 20 / 64 = 0.3125. */
    public static final double PAPER_TAU_FRACTION = 20.0 / 64.0;

    public VarParams {
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("tau must be a positive finite number, got " + tau);
        }
        if (!(rho >= 0 && rho <= 1)) {
            throw new IllegalArgumentException("rho must be in [0, 1], got " + rho);
        }
        if (!(summ >= 0 && summ <= 1)) {
            throw new IllegalArgumentException("summ must be in [0, 1], got " + summ);
        }
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("p must be in [0, 1], got " + p);
        }
        if (sinkDims == null || sinkDims.length == 0) {
            throw new IllegalArgumentException("sinkDims must list at least one hidden dimension");
        }
        sinkDims = sinkDims.clone();
        for (int i = 0; i < sinkDims.length; i++) {
            if (sinkDims[i] < 0) {
                throw new IllegalArgumentException("sinkDims[" + i + "] must be >= 0, got " + sinkDims[i]);
            }
            for (int j = 0; j < i; j++) {
                if (sinkDims[j] == sinkDims[i]) {
                    throw new IllegalArgumentException("sinkDims lists dimension " + sinkDims[i] + " twice");
                }
            }
        }
        if (headRule == null) {
            throw new IllegalArgumentException("headRule must be OFFICIAL or PAPER");
        }
        if (sinkLayersFrom < 0) {
            throw new IllegalArgumentException("sinkLayersFrom must be >= 0, got " + sinkLayersFrom);
        }
    }

    /**
     * The authors' defaults: the {@code defaults} of {@code conf/interventions/var.json} (rho 0.5, summ 0.2, p 0.6,
     * except_last_layer, layers 2..L-1) with the paper's tau 20 and the released code's head rule.
     */
    public static VarParams official(int[] sinkDims) {
        return OFFICIAL_DEFAULTS.get().withSinkDims(sinkDims);
    }

    /** The defaults file, read once per JVM (sink dims are a placeholder, replaced by {@link #official}). */
    private static final java.util.function.Supplier<VarParams> OFFICIAL_DEFAULTS = new java.util.function.Supplier<>() {
        private volatile VarParams read;

        @Override
        public VarParams get() {
            if (read == null) {
                Path file = ConfFiles.resolve(FILE);
                read = fromObject(file, ConfFiles.object(file, ConfFiles.read(file), "defaults", ""), new JsonObject(), "defaults.", new int[] {0});
            }
            return read;
        }
    };

    /** VAR's one defaults file under {@code conf/}. */
    public static final String FILE = "interventions/var.json";

    @Override
    public int[] sinkDims() {
        return sinkDims.clone();
    }

    public VarParams withTau(double newTau) {
        return new VarParams(newTau, rho, summ, p, exceptLastLayer, sinkDims, headRule, sinkLayersFrom);
    }

    public VarParams withSinkDims(int[] dims) {
        return new VarParams(tau, rho, summ, p, exceptLastLayer, dims, headRule, sinkLayersFrom);
    }

    public VarParams withExceptLastLayer(boolean flag) {
        return new VarParams(tau, rho, summ, p, flag, sinkDims, headRule, sinkLayersFrom);
    }

    public VarParams withHeadRule(HeadRule rule) {
        return new VarParams(tau, rho, summ, p, exceptLastLayer, sinkDims, rule, sinkLayersFrom);
    }

    /** tau given as a fraction of sqrt(D), resolved for a model of hidden size D (0.3125 gives 20 at D = 4096). */
    public static double tauForHiddenSize(double fractionOfSqrtD, int hiddenSize) {
        if (!(fractionOfSqrtD > 0 && fractionOfSqrtD < 1)) {
            throw new IllegalArgumentException("relative tau must be in (0, 1) (a fraction of sqrt(D)), got " + fractionOfSqrtD);
        }
        if (hiddenSize <= 0) {
            throw new IllegalArgumentException("hidden size must be positive, got " + hiddenSize);
        }
        return fractionOfSqrtD * Math.sqrt(hiddenSize);
    }

    /** These parameters with tau = fraction * sqrt(hiddenSize). */
    public VarParams withRelativeTau(double fractionOfSqrtD, int hiddenSize) {
        return withTau(tauForHiddenSize(fractionOfSqrtD, hiddenSize));
    }

    /** Largest possible sink score for hidden size D: |x_d| / RMS(x) &lt;= sqrt(D). */
    public static double maxPhi(int hiddenSize) {
        return Math.sqrt(hiddenSize);
    }

    /** Whether a token can ever be a sink at hidden size D (tau &lt; sqrt(D)); callers warn when not. */
    public boolean tauReachable(int hiddenSize) {
        return tau < maxPhi(hiddenSize);
    }

    /** Fails when a sink dimension is outside {@code [0, hiddenSize)}. */
    public void checkHiddenSize(int hiddenSize) {
        for (int d : sinkDims) {
            if (d >= hiddenSize) {
                throw new IllegalArgumentException("sink dimension " + d + " is outside the hidden size " + hiddenSize);
            }
        }
    }

    /** The presets of {@code conf/interventions/var.json} (see {@link #presets(Path, int[])}). */
    public static VarParams preset(String name, int[] sinkDims) {
        Path file = ConfFiles.resolve(FILE);
        Map<String, VarParams> all = presets(file, sinkDims);
        VarParams v = all.get(name);
        if (v == null) {
            throw new IllegalArgumentException(file + ": no preset '" + name + "' (have " + all.keySet() + ")");
        }
        return v;
    }

    /**
     * Reads the {@code presets} of a var.json file: each preset is the file's {@code defaults} ({@code p, rho, summ,
     * from, last}; tau 20, head rule official) with the preset's own values of those keys, {@code tau} or
     * {@code head_rule} ("official" or "paper") over them. Errors name the file and the field.
     */
    public static Map<String, VarParams> presets(Path file, int[] sinkDims) {
        JsonObject root = ConfFiles.read(file);
        JsonObject defaults = ConfFiles.object(file, root, "defaults", "");
        JsonObject presets = ConfFiles.object(file, root, "presets", "");
        Map<String, VarParams> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : presets.entrySet()) {
            if (!e.getValue().isJsonObject()) {
                throw new IllegalArgumentException(file + ": presets." + e.getKey() + " must be an object");
            }
            out.put(e.getKey(), fromObject(file, defaults, e.getValue().getAsJsonObject(), "presets." + e.getKey() + ".", sinkDims));
        }
        return out;
    }

    /** {@code over}'s fields over {@code base}'s ({@code where} prefixes the field in errors). */
    private static VarParams fromObject(Path file, JsonObject base, JsonObject over, String where, int[] sinkDims) {
        JsonObject o = base.deepCopy();
        for (Map.Entry<String, JsonElement> f : over.entrySet()) {
            if (!java.util.List.of("p", "rho", "summ", "from", "last", "tau", "head_rule").contains(f.getKey())) {
                throw new IllegalArgumentException(file + ": " + where + f.getKey() + " is not a VAR parameter (p, rho, summ, from, last, tau, head_rule)");
            }
            o.add(f.getKey(), f.getValue());
        }
        HeadRule rule = HeadRule.OFFICIAL;
        if (o.has("head_rule")) {
            try {
                rule = HeadRule.parse(o.get("head_rule").getAsString());
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException(file + ": " + where + "head_rule: " + ex.getMessage(), ex);
            }
        }
        java.util.function.ToDoubleFunction<String> num = f -> ConfFiles.number(file, o, f, over.has(f) ? where : "defaults.");
        double tau = o.has("tau") ? num.applyAsDouble("tau") : tauForHiddenSize(PAPER_TAU_FRACTION, 4096);
        double last = num.applyAsDouble("last");
        double from = num.applyAsDouble("from");
        if (last != 0 && last != 1) {
            throw new IllegalArgumentException(file + ": " + (over.has("last") ? where : "defaults.") + "last must be 0 or 1, got " + last);
        }
        if (from != Math.rint(from)) {
            throw new IllegalArgumentException(file + ": " + (over.has("from") ? where : "defaults.") + "from must be a layer index, got " + from);
        }
        try {
            return new VarParams(tau, num.applyAsDouble("rho"), num.applyAsDouble("summ"), num.applyAsDouble("p"), last == 0, sinkDims, rule, (int) from);
        } catch (IllegalArgumentException ex) {
            if (ex.getMessage().startsWith(file.toString())) {
                throw ex;
            }
            throw new IllegalArgumentException(file + ": " + where + ex.getMessage(), ex);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VarParams v && v.tau == tau && v.rho == rho && v.summ == summ && v.p == p
                && v.exceptLastLayer == exceptLastLayer && Arrays.equals(v.sinkDims, sinkDims) && v.headRule == headRule
                && v.sinkLayersFrom == sinkLayersFrom;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new double[] {tau, rho, summ, p}) * 31 + Arrays.hashCode(sinkDims) * 7 + headRule.hashCode()
                + (exceptLastLayer ? 1 : 0) + sinkLayersFrom * 131;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "VarParams[tau=%s, rho=%s, summ=%s, p=%s, exceptLastLayer=%s, sinkDims=%s, headRule=%s, sinkLayersFrom=%d]",
                tau, rho, summ, p, exceptLastLayer, Arrays.toString(sinkDims), headRule, sinkLayersFrom);
    }
}
