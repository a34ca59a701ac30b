package sinkscope.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's seams: a section renders from plain data alone (no Spark), the page writer clears stale charts and
 * lists the ones it wrote, and over an output root without any table every section says which table is missing and
 * the report still writes.
 */
class ReportSectionsTest {
    @Test
    void sectionsRenderFromPlainData(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("charts"));
        Files.writeString(dir.resolve("charts/stale.png"), "old");
        Page page = Page.open(dir);
        assertFalse(Files.exists(dir.resolve("charts/stale.png")), "an earlier run's chart is removed");

        ErrorSection errors = new ErrorSection();
        page.open(errors.id, errors.title);
        errors.render(new ErrorSection.Data(null, List.of(new ErrorSection.Group("extract", "image", 2, List.of(
                new ErrorSection.Example("7", 3, "no such file"), new ErrorSection.Example(null, null, "bad <json>"))))), page);
        page.close();

        MetricsSection metrics = new MetricsSection();
        Map<String, Map<String, MetricsSection.Scores>> byCategory = new TreeMap<>(Order.CATEGORIES);
        Map<String, MetricsSection.Scores> all = new LinkedHashMap<>();
        all.put("baseline", new MetricsSection.Scores(10, new double[] {0.5, 0.5, 0.6, 0.55, 0.6}));
        all.put("var", new MetricsSection.Scores(10, new double[] {0.6, 0.5, 0.6, 0.55, 0.7}));
        byCategory.put("all", all);
        Set<String> configs = new TreeSet<>(Order.CONFIGS);
        configs.addAll(all.keySet());
        page.open(metrics.id, metrics.title);
        metrics.render(new MetricsSection.Data(null, byCategory, configs, Map.of()), page);
        page.close();

        String html = Files.readString(page.finish("root", Report.SECTIONS));
        assertTrue(html.contains("<td>extract</td><td>image</td><td class=\"num\">2</td>"), "error group with its count");
        assertTrue(html.contains("<li><code>7, line 3</code>: no such file</li>"), "example names id and line");
        assertTrue(html.contains("<li><code>-, -</code>: bad &lt;json&gt;</li>"), "no id, no line; reason escaped");
        assertTrue(html.contains("<td>var</td><td class=\"num\">10</td><td class=\"num\">0.600 <span class=\"better\">+10.0</span></td>"),
                "accuracy up 10 points against baseline");
        assertTrue(html.contains("0.500 <span class=\"same\">&plusmn;0</span>"), "precision unchanged");
        assertTrue(html.contains("0.700 <span class=\"neutral\">+10.0</span>"), "yes-ratio: a change, neither better nor worse");
        assertEquals(List.of(dir.resolve("charts/metrics_accuracy.png"), dir.resolve("charts/metrics_f1.png")), page.charts());
        for (Path p : page.charts()) {
            assertTrue(Files.size(p) > 1000, p + " written");
        }
        assertEquals(1, html.split("<nav>", -1).length - 1, "one head and navigation");
    }

    @Test
    void emptyRootNamesEveryMissingTable(@TempDir Path dir) throws Exception {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("report-sections-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        Files.createDirectories(dir.resolve("in"));
        Report.Result r = Report.write(spark, dir.resolve("in").toString(), dir.resolve("report"), RunInfo.none());
        String html = Files.readString(r.index());
        for (Map.Entry<String, String> s : Report.SECTIONS.entrySet()) {
            assertTrue(html.contains("<section id=\"" + s.getKey() + "\"><h2>" + s.getValue() + "</h2>"), "section " + s.getKey());
        }
        for (String t : List.of("attention", "sink_dimensions", "sink_tokens", "head_profile", "metrics", "benchmark_metrics", "significance",
                "grounding", "errors")) {
            assertTrue(html.contains("No <code>" + t + "</code> table in this output root"), "note for " + t);
        }
        assertTrue(html.contains("Run parameters not recorded") && html.contains("Model not recorded."));
        assertTrue(html.contains("<tr><td>samples</td><td class=\"num\"><i>missing</i></td></tr>"), "row counts say missing");
        assertEquals(List.of(), r.charts(), "nothing to draw");
    }
}
