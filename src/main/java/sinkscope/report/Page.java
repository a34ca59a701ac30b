package sinkscope.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.jfree.chart.JFreeChart;

/**
 * The page writer, and the one place the report writes files: {@code out/index.html} (head, style, navigation, then
 * the sections' HTML), {@code out/charts/NAME.png} (old PNGs there removed first) and {@code out/run.properties}.
 * Sections append escaped HTML through the helpers here; every chart is referenced by a relative path with its size,
 * so the folder opens offline.
 */
final class Page {
    private final Path out;
    private final Path charts;
    private final StringBuilder body = new StringBuilder();
    private final List<Path> written = new ArrayList<>();

    private Page(Path out) {
        this.out = out;
        this.charts = out.resolve("charts");
    }

    /** A page writing into {@code out}: creates {@code out/charts/} and empties it of PNGs. */
    static Page open(Path out) throws IOException {
        Page p = new Page(out);
        Files.createDirectories(p.charts);
        try (Stream<Path> old = Files.list(p.charts)) {
            for (Path f : old.filter(f -> f.toString().endsWith(".png")).toList()) {
                Files.delete(f);
            }
        }
        return p;
    }

    /** Saves the run's parameters as {@code out/run.properties} for a later report over the same root. */
    void saveRun(RunInfo run) throws IOException {
        run.save(out);
    }

    /** Where a file of the report folder lives, as the page names it. */
    String where(String file) {
        return out.resolve(file).toString();
    }

    /** Writes {@code out/index.html}: the head for output root {@code root}, a link per section, the body; returns its path. */
    Path finish(String root, Map<String, String> sections) throws IOException {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>SinkScope report</title>\n<style>\n")
                .append(CSS).append("</style></head><body>\n");
        html.append("<h1>SinkScope report</h1>\n<p class=\"sub\">Output root <code>").append(esc(root))
                .append("</code> &middot; generated ")
                .append(esc(ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"))))
                .append("</p>\n<nav>");
        for (Map.Entry<String, String> e : sections.entrySet()) {
            html.append("<a href=\"#").append(e.getKey()).append("\">").append(esc(e.getValue())).append("</a>");
        }
        html.append("</nav>\n").append(body).append("</body></html>\n");
        Path index = out.resolve("index.html");
        Files.writeString(index, html, StandardCharsets.UTF_8);
        return index;
    }

    /** The chart files written so far. */
    List<Path> charts() {
        return List.copyOf(written);
    }

    // ---- body -------------------------------------------------------------------------------------------

    /** Appends HTML as it is: the caller escaped what needs it. */
    Page add(Object safeHtml) {
        body.append(safeHtml);
        return this;
    }

    void open(String id, String title) {
        body.append("<section id=\"").append(id).append("\"><h2>").append(esc(title)).append("</h2>\n");
    }

    void close() {
        body.append("</section>\n");
    }

    void note(String safeHtml) {
        body.append("<p class=\"note\">").append(safeHtml).append("</p>\n");
    }

    /** The note for an absent table or missing columns, with a hint on what writes the table (may be empty). */
    void absent(Input.Missing m, String hint) {
        if (m.columns().isEmpty()) {
            note("No <code>" + m.table() + "</code> table in this output root" + (hint.isEmpty() ? "." : ": " + hint + "."));
        } else {
            note("The <code>" + m.table() + "</code> table lacks the columns " + esc(m.columns().toString()) + ".");
        }
    }

    /** A key-value row of a {@code kv} table. */
    void kv(String k, String v) {
        body.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>");
    }

    /** Draws {@code chart} as {@code charts/NAME.png} at {@code width x height} and appends its image tag. */
    void img(JFreeChart chart, String name, int width, int height, String alt) throws IOException {
        Path file = charts.resolve(name + ".png");
        Charts.png(chart, width, height, file);
        written.add(file);
        body.append("<img src=\"charts/").append(esc(file.getFileName().toString())).append("\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" alt=\"").append(esc(alt)).append("\">");
    }

    // ---- text ---------------------------------------------------------------------------------------------

    /** A numeric table cell: {@code v} formatted with {@code fmt}, empty for null. */
    static String num(Object v, String fmt) {
        return "<td class=\"num\">" + (v == null ? "" : String.format(Locale.ROOT, fmt, ((Number) v).doubleValue())) + "</td>";
    }

    /** The difference {@code d} (already in display units) as a coloured span: {@code cls} unless it rounds to zero. */
    static String difference(double d, String cls) {
        boolean zero = Math.abs(d) < 0.05;
        return " <span class=\"" + (zero ? "same" : cls) + "\">" + (zero ? "&plusmn;0" : String.format(Locale.ROOT, "%+.1f", d)) + "</span>";
    }

    /** A name fit for a file name. */
    static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    static String esc(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px 32px; color: #222; max-width: 1320px; }
            h1 { margin-bottom: 4px; } .sub { color: #666; margin-top: 0; }
            nav { margin: 12px 0 8px; } nav a { margin-right: 16px; color: #2a5d9f; text-decoration: none; font-size: 14px; }
            section { border-top: 2px solid #ddd; margin-top: 28px; padding-top: 4px; }
            h2 { color: #1b3d6d; } h3 { margin: 14px 0 6px; }
            p { line-height: 1.45; max-width: 1250px; }
            table { border-collapse: collapse; margin: 6px 0 14px; font-size: 14px; }
            th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
            th { background: #f2f4f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
            table.kv th { width: 180px; } table.kv td { word-break: break-all; }
            table.metrics tr.first td { border-top: 2px solid #888; }
            .better { color: #18794e; font-weight: bold; } .worse { color: #c4302b; font-weight: bold; }
            .neutral { color: #777; } .same { color: #aaa; }
            .note { background: #fff7e0; border-left: 4px solid #f0b429; padding: 6px 10px; }
            .ok { background: #e8f6ee; border-left: 4px solid #18794e; padding: 6px 10px; }
            .cols { display: flex; gap: 32px; flex-wrap: wrap; } .cols > div { flex: 1; min-width: 420px; }
            .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; margin: 6px 0; }
            .rowlabel { width: 110px; font-weight: bold; padding-top: 130px; }
            .sample { margin: 10px 0 18px; } .sample p { margin: 2px 0 4px; }
            ul { margin: 0; padding-left: 18px; } code { font-size: 13px; }
            img { border: 1px solid #eee; }
            """;
}
