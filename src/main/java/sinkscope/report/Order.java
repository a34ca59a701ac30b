package sinkscope.report;

import java.util.Comparator;

/**
 * The order rows appear in on the page: configurations baseline (or the extract pass) first, then VAR, the sink
 * ablation, other ablations, the rest, each group by name; categories {@code all} first, then by name; question ids
 * numeric ones first in numeric order.
 */
final class Order {
    private Order() {}

    static final Comparator<String> CONFIGS = Comparator.comparing(Order::config).thenComparing(Comparator.naturalOrder());
    static final Comparator<String> CATEGORIES = Comparator.comparing((String c) -> c.equals("all") ? 0 : 1).thenComparing(Comparator.naturalOrder());

    /** baseline, then VAR configs, then ablations, then the rest. */
    static int config(String config) {
        if (config.equals("baseline") || config.equals("extract")) {
            return 0;
        }
        if (config.startsWith("var")) {
            return 1;
        }
        return config.startsWith("ablate_sinks") ? 2 : config.startsWith("ablate") ? 3 : 4;
    }

    /** A key putting numeric ids in numeric order, before the others. */
    static String id(String id) {
        return id.matches("\\d{1,18}") ? String.format("0%018d", Long.parseLong(id)) : "1" + id;
    }
}
