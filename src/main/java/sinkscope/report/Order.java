package sinkscope.report;

import java.util.Comparator;
import sinkscope.intervention.Intervention;
import sinkscope.intervention.Interventions;

/**
 * The order rows appear in on the page: configurations baseline (or the extract pass) first, then each registered
 * intervention in registry order ({@link Interventions#ALL}: VAR, the sink ablation, its control, ...), configs no
 * longer registered last, each group by name; categories {@code all} first, then by name; question ids numeric ones
 * first in numeric order.
 */
final class Order {
    private Order() {}

    static final Comparator<String> CONFIGS = Comparator.comparing(Order::config).thenComparing(Comparator.naturalOrder());
    static final Comparator<String> CATEGORIES = Comparator.comparing((String c) -> c.equals("all") ? 0 : 1).thenComparing(Comparator.naturalOrder());

    /** The config's group: its intervention's place in the registry (baseline and the extract pass 0). */
    static int config(String config) {
        if (config.equals("extract")) {
            return 0;
        }
        Intervention i = Interventions.prefixOf(config);
        return i == null ? Interventions.ALL.size() : Interventions.ALL.indexOf(i);
    }
    /** A key putting numeric ids in numeric order, before the others. */
    static String id(String id) {
        return id.matches("\\d{1,18}") ? String.format("0%018d", Long.parseLong(id)) : "1" + id;
    }
}
