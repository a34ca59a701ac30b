package sinkscope.intervention;

import java.util.Map;

/**
 * An intervention's parameter values for one config: those the config name gives over the defaults of its conf file.
 *
 * @param intervention the method
 * @param config the config name, for error messages ({@code pai_alpha0.5})
 * @param given the values the config name sets (checked against each {@link Parameter}'s range)
 * @param defaults the conf file's defaults
 * @param referenceLayers the depth the defaults of {@link Parameter#layer} parameters are given for
 */
public record Settings(Intervention intervention, String config, Map<String, Double> given, Map<String, Double> defaults, int referenceLayers) {

    public Settings {
        given = Map.copyOf(given);
        defaults = Map.copyOf(defaults);
    }

    /** The value of a parameter: given, else the default; NaN for an optional parameter with neither. */
    public double value(String name) {
        Double v = given.get(name);
        if (v == null) {
            v = defaults.get(name);
        }
        if (v == null) {
            Parameter p = parameter(name);
            if (p.absent() == null) {
                throw new IllegalStateException(config + ": no value for " + name);
            }
            return Double.NaN;
        }
        return v;
    }

    /** Whether the config name or the defaults give a value. */
    public boolean has(String name) {
        return given.containsKey(name) || defaults.containsKey(name);
    }

    /**
     * A {@link Parameter#layer} boundary for a model of {@code numLayers} layers: the given value as is, or the default
     * scaled from the reference depth, {@code round(default * L / reference)}; fails naming the config when the given
     * value lies beyond the model.
     */
    public int layer(String name, int numLayers) {
        Double v = given.get(name);
        if (v != null) {
            if (v > numLayers) {
                throw new IllegalArgumentException(config + ": " + name + " = " + Parameter.plain(v) + " is outside the model's "
                        + numLayers + " layers (0.." + numLayers + ")");
            }
            return (int) Math.round(v);
        }
        return (int) Math.round(value(name) * numLayers / referenceLayers);
    }

    /** The layers [start, end) of a model of {@code numLayers} layers; fails naming the config when empty. */
    public int[] layerRange(String start, String end, int numLayers) {
        int s = layer(start, numLayers);
        int e = layer(end, numLayers);
        if (s >= e) {
            throw new IllegalArgumentException(config + ": the layer range [" + start + ", " + end + ") = [" + s + ", " + e + ") selects no layer of this "
                    + numLayers + "-layer model");
        }
        return new int[] {s, e};
    }

    private Parameter parameter(String name) {
        return intervention.parameters().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(config + ": " + intervention.name() + " has no parameter '" + name + "'"));
    }
}
