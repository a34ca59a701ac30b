package sinkscope.intervention;

import java.util.List;
import java.util.Locale;

/**
 * One typed parameter of an {@link Intervention}. Every parameter is a number, so that one sweep syntax covers them
 * all: a flag is 0 or 1, a layer index an integer, a choice the index of one of its words (written as the word in config
 * names, sweeps and conf files: {@code vcd_decodinggreedy}, {@code vcd[decoding=sample|greedy]},
 * {@code "decoding": "sample"}). Its default is not here: it lives in the intervention's file under
 * {@code conf/interventions/} ({@link Interventions#defaults}).
 *
 * @param name the key in config names ({@code pai_alpha0.5}) and sweeps ({@code pai[alpha=0.1:0.5:0.1]})
 * @param min least allowed value (inclusive)
 * @param max largest allowed value (inclusive); a {@link #layer} parameter is further bounded by the model's depth
 * @param integer whether the value must be a whole number (layer indices, flags)
 * @param layer whether the value is a decoder layer boundary: its default is given for the conf file's
 *     {@code reference_layers} (32, LLaMA-2-7B's depth) and scaled to the model's depth L as
 *     {@code round(value * L / reference_layers)}; a value given in the config name is an absolute layer of the model
 * @param absent what it means when neither the config nor the conf file gives a value (null: the conf file must)
 * @param description one line for the docs and the error messages
 * @param choices the words of a choice parameter, its values 0..n-1 in this order; empty for a number
 */
public record Parameter(String name, double min, double max, boolean integer, boolean layer, String absent, String description, List<String> choices) {

    public Parameter {
        choices = List.copyOf(choices);
    }

    public Parameter(String name, double min, double max, boolean integer, boolean layer, String absent, String description) {
        this(name, min, max, integer, layer, absent, description, List.of());
    }

    /** A real number in [min, max]. */
    public static Parameter number(String name, double min, double max, String description) {
        return new Parameter(name, min, max, false, false, null, description);
    }

    /** 0 or 1. */
    public static Parameter flag(String name, String description) {
        return new Parameter(name, 0, 1, true, false, null, description);
    }

    /** A layer boundary in [0, L], mapped from the reference depth when it is a default. */
    public static Parameter layerBoundary(String name, String description) {
        return new Parameter(name, 0, Double.MAX_VALUE, true, true, null, description);
    }

    /** One of {@code words}, its value the word's index. */
    public static Parameter choice(String name, String description, String... words) {
        return new Parameter(name, 0, words.length - 1, true, false, null, description, List.of(words));
    }

    /** This parameter, optional: when absent it means {@code meaning}. */
    public Parameter optional(String meaning) {
        return new Parameter(name, min, max, integer, layer, meaning, description, choices);
    }

    /** The value of choice word {@code word}; fails naming {@code where} and the words when it is none of them. */
    public double value(String where, String word) {
        int i = choices.indexOf(word);
        if (i < 0) {
            throw new IllegalArgumentException(where + ": " + name + " must be " + range() + ", got '" + word + "'");
        }
        return i;
    }

    /** The value {@code v} as written: the word of a choice, else the number. */
    public String text(double v) {
        return choices.isEmpty() || v != Math.rint(v) || v < 0 || v >= choices.size() ? plain(v) : choices.get((int) v);
    }

    /** Fails, naming {@code where} (the config or file) and the parameter, when {@code v} is outside this parameter's range. */
    public void check(String where, double v) {
        boolean ok = !Double.isNaN(v) && v >= min && v <= max && (!integer || v == Math.rint(v));
        if (!ok) {
            throw new IllegalArgumentException(where + ": " + name + " must be " + range() + ", got " + text(v));
        }
    }

    /** The allowed values in words. */
    public String range() {
        if (!choices.isEmpty()) {
            return "one of " + String.join(", ", choices);
        }
        if (integer && min == 0 && max == 1) {
            return "0 or 1";
        }
        if (layer) {
            return "a layer index >= 0 (at most the model's depth)";
        }
        String kind = integer ? "an integer" : "a number";
        if (max == Double.MAX_VALUE) {
            return kind + " >= " + plain(min);
        }
        return kind + " in [" + plain(min) + ", " + plain(max) + "]";
    }

    static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
