package sinkscope.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link Metrics} per configuration (e.g. {@code baseline}, {@code var}) and category (e.g. the POPE splits
 * random/popular/adversarial), plus the category {@link #ALL} per configuration over all of its pairs. Rows come
 * out sorted by configuration, then category, with {@code all} last within each configuration.
 */
public final class MetricsTable implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The category holding every pair of a configuration. */
    public static final String ALL = "all";

    /** One line of the table. */
    public record Row(String config, String category, long n, long tp, long fp, long tn, long fn, long other,
                      double accuracy, double precision, double recall, double f1, double yesRatio) {}

    private final Map<String, Map<String, Metrics>> cells = new TreeMap<>();

    /** Adds one (prediction, label) pair to its category and to {@code all}; a null category only counts in all. */
    public MetricsTable add(String config, String category, String pred, String label) {
        if (ALL.equals(category)) {
            throw new IllegalArgumentException("category '" + ALL + "' is reserved for the total");
        }
        Map<String, Metrics> byCategory = cells.computeIfAbsent(config, c -> new TreeMap<>());
        byCategory.computeIfAbsent(ALL, c -> new Metrics()).add(pred, label);
        if (category != null) {
            byCategory.computeIfAbsent(category, c -> new Metrics()).add(pred, label);
        }
        return this;
    }

    /** The metrics of one cell, or {@code null} when it has no pairs. */
    public Metrics get(String config, String category) {
        Map<String, Metrics> byCategory = cells.get(config);
        return byCategory == null ? null : byCategory.get(category);
    }

    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, Map<String, Metrics>> c : cells.entrySet()) {
            for (Map.Entry<String, Metrics> e : c.getValue().entrySet()) {
                if (!e.getKey().equals(ALL)) {
                    rows.add(row(c.getKey(), e.getKey(), e.getValue()));
                }
            }
            rows.add(row(c.getKey(), ALL, c.getValue().get(ALL)));
        }
        return rows;
    }

    private static Row row(String config, String category, Metrics m) {
        return new Row(config, category, m.n(), m.tp(), m.fp(), m.tn(), m.fn(), m.other(), m.accuracy(),
                m.precision(), m.recall(), m.f1(), m.yesRatio());
    }
}
