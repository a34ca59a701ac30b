package sinkscope.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sinkscope.cli.Main;

/** The report {@code pipeline} writes over a real run (see {@link ReportFixture}), and {@code export}'s files. */
class ReportTest {
    private static Path dir;
    private static String html;

    @BeforeAll
    static void run() throws IOException {
        dir = ReportFixture.get();
        html = Files.readString(dir.resolve("out/report/index.html"), StandardCharsets.UTF_8);
    }

    @Test
    void hasEverySectionWithItsContent() {
        for (Map.Entry<String, String> s : Report.SECTIONS.entrySet()) {
            assertTrue(html.contains("<section id=\"" + s.getKey() + "\"><h2>" + s.getValue() + "</h2>"), "section " + s.getKey());
        }
        assertFalse(html.contains("lacks the columns"), "every table has its columns");
        assertFalse(html.contains("table in this output root"), "every table is there");
        // run parameters from the pipeline, the model's config, the dataset counts
        assertTrue(html.contains("<th>attention_layers</th><td>1,2,3</td>"));
        assertTrue(html.contains("4 layers, 4 heads (4 kv), hidden size 64"), "model from config.json");
        assertTrue(html.contains("processed + 2 errors (read, extract)"), "input balance with the two bad lines");
        // attention over the real image (no grid-only fallback), one row of panels per config: baseline vs VAR
        assertFalse(html.contains("VAR-side attention is not recorded"));
        assertTrue(html.contains("<div class=\"rowlabel\">baseline") && html.contains("<div class=\"rowlabel\">var"), "baseline and VAR rows");
        assertFalse(html.contains("grid only"));
        assertTrue(html.contains("charts/attention_"));
        // every config of the run in the metrics table, with differences against baseline
        for (String c : List.of("baseline", "var", "ablate_sinks", "ablate_random", "pai", "vcd", "vaf", "var_rho0.2", "var_rho0.8")) {
            assertTrue(html.contains("<td>" + c + "</td>"), "metrics row for " + c);
        }
        assertTrue(html.contains("&plusmn;0") || html.matches("(?s).*class=\"(better|worse|neutral)\">[+-].*"), "differences shown");
        // each benchmark under its own heading; each against baseline; the rho sweep's table
        for (String b : ReportFixture.BENCHMARKS) {
            assertTrue(html.contains("<h3 id=\"benchmark-" + b + "\">" + b + "</h3>"), "benchmark section " + b);
            assertTrue(html.contains("<tr><td>" + b + "</td><td>var</td><td>"), "significance row for " + b + " under VAR");
        }
        assertTrue(html.contains("Parameters varied: var rho."), "the sweep varies rho");
        // every intervention side by side: per benchmark its headline value, its difference against baseline and against var
        String side = html.substring(html.indexOf("<section id=\"interventions\">"), html.indexOf("<section id=\"sweep\">"));
        for (String b : ReportFixture.BENCHMARKS) {
            assertTrue(side.contains("<h3>" + b + " &mdash; "), "side by side on " + b);
        }
        String num = "<td class=\"num\">(<b>)?[+-]\\d\\.\\d{3} \\[[+-]\\d\\.\\d{3}, [+-]\\d\\.\\d{3}\\](</b>)?</td>";
        // cost: PAI's text-only pass and VCD's noised-image pass per token, none for the attention-level methods
        for (var c : Map.of("pai", 1, "vcd", 1, "vaf", 0, "ablate_sinks", 0, "var_rho0.2", 0).entrySet()) {
            assertTrue(Pattern.compile("<tr><td>" + c.getKey() + "</td><td class=\"num\">[0-9.]+</td>" + num + num + "<td class=\"num\">" + c.getValue() + "</td>"
                    + "<td class=\"num\">\\d+\\.\\d\\d</td></tr>").matcher(side).find(), c.getKey() + " against baseline and var, its cost:\n" + side);
        }
        assertTrue(Pattern.compile("<tr><td>var</td><td class=\"num\">[0-9.]+</td>" + num + "<td class=\"num\"></td>").matcher(side).find(),
                "var against baseline only");
        assertTrue(html.contains("<tr><td>var_rho0.2</td>") && html.contains("<tr><td>var_rho0.8</td>"), "both sweep points");
        // errors grouped by job and stage, with the offending sample
        assertTrue(html.contains("<td>extract</td><td>image</td>"), "missing image error group");
        assertTrue(html.contains("<code>" + ReportFixture.BAD_IMAGE_ID + ", line "), "example names the sample and line");
        assertTrue(html.contains("<td>read</td><td>read</td>"), "malformed line error group");
    }

    @Test
    void chartsAreSaneLocalPngs() throws IOException {
        Matcher m = Pattern.compile("<img src=\"([^\"]+)\" width=\"(\\d+)\" height=\"(\\d+)\"").matcher(html);
        List<String> sources = new ArrayList<>();
        while (m.find()) {
            String src = m.group(1);
            sources.add(src);
            assertTrue(src.startsWith("charts/") && src.endsWith(".png"), "relative PNG: " + src);
            BufferedImage img = ImageIO.read(dir.resolve("out/report").resolve(src).toFile());
            assertNotNull(img, src + " decodes");
            assertEquals(Integer.parseInt(m.group(2)), img.getWidth(), src + " width");
            assertEquals(Integer.parseInt(m.group(3)), img.getHeight(), src + " height");
            assertTrue(img.getWidth() >= 300 && img.getWidth() <= 1000 && img.getHeight() >= 250 && img.getHeight() <= 1000,
                    src + " size " + img.getWidth() + "x" + img.getHeight());
            assertTrue(colours(img) > 20, src + " is not blank");
        }
        for (String prefix : List.of("attention_", "sink_dims_frequency", "sink_dims_max_ratio", "sink_tokens_per_image",
                "heads_image_attention_last", "heads_image_centric_last", "metrics_accuracy", "metrics_f1", "grounding_image_attention", "benchmark_synth_vqa", "benchmark_synth_choice",
                "benchmark_synth_caption", "sweep_var_rho")) {
            assertTrue(sources.stream().anyMatch(s -> s.startsWith("charts/" + prefix)), "chart " + prefix);
        }
        try (Stream<Path> files = Files.list(dir.resolve("out/report/charts"))) {
            assertEquals(new HashSet<>(sources).size(), files.count(), "no chart PNG without a reference, none missing");
        }
        assertFalse(html.contains("http://") || html.contains("https://"), "nothing to fetch: opens offline");
    }

    @Test
    void reportCommandReusesThePipelinesParameters() throws IOException {
        Path other = dir.resolve("report-again");
        assertEquals(0, Main.run("report", "--in", dir.resolve("out").toString(), "--out", other.toString(), "--master", "local[1]"));
        String again = Files.readString(other.resolve("index.html"), StandardCharsets.UTF_8);
        assertTrue(again.contains("<th>attention_layers</th><td>1,2,3</td>"), "run.properties of the pipeline's report");
        assertEquals(2, Main.run("report", "--out", other.toString()), "--in is required");
    }

    @Test
    void exportWritesEveryTableAsCsv() throws IOException {
        Path export = dir.resolve("export");
        for (String t : Export.KNOWN.keySet()) {
            List<String> lines = Files.readAllLines(export.resolve(t + ".csv"), StandardCharsets.UTF_8);
            List<String> header = List.of(lines.get(0).split(","));
            for (String c : Export.KNOWN.get(t).fieldNames()) {
                assertTrue(header.contains(c), t + ".csv has column " + c + ": " + header);
            }
        }
        List<List<String>> attention = csv(export.resolve("attention.csv"));
        List<String> header = attention.get(0);
        assertTrue(attention.size() > 1);
        for (List<String> row : attention.subList(1, attention.size())) {
            int rows = Integer.parseInt(row.get(header.indexOf("grid_rows")));
            int cols = Integer.parseInt(row.get(header.indexOf("grid_cols")));
            String weights = row.get(header.indexOf("weights"));
            assertTrue(weights.startsWith("[") && weights.endsWith("]"), "weights as a JSON array: " + weights);
            assertEquals(rows * cols, weights.substring(1, weights.length() - 1).split(",").length, "one weight per patch");
        }
        List<List<String>> errors = csv(export.resolve("errors.csv"));
        int id = errors.get(0).indexOf("question_id");
        int job = errors.get(0).indexOf("job");
        assertTrue(errors.stream().anyMatch(r -> r.get(id).equals(ReportFixture.BAD_IMAGE_ID) && r.get(job).equals("extract")));
        assertTrue(errors.stream().anyMatch(r -> r.get(id).isEmpty() && r.get(job).equals("read")), "null id = empty cell");
        List<String> columns = Files.readAllLines(export.resolve("columns.csv"), StandardCharsets.UTF_8);
        assertTrue(columns.contains("tokens,phi,float,sink score max_{d in D_sink} |x_d| / RMS(x)"), "column descriptions");
    }

    @Test
    void exportJsonLinesAndUnknownTable() throws IOException {
        Path out = dir.resolve("export-json");
        assertEquals(0, Main.run("export", "--in", dir.resolve("out").toString(), "--out", out.toString(), "--format", "json",
                "--tables", "metrics", "--master", "local[1]"));
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"), StandardCharsets.UTF_8);
        assertFalse(lines.isEmpty());
        assertTrue(lines.get(0).startsWith("{\"benchmark\":\"pope\",\"config\":"), lines.get(0));
        assertFalse(Files.exists(out.resolve("tokens.jsonl")), "only the named table");
        assertEquals(2, Main.run("export", "--in", dir.resolve("out").toString(), "--out", out.toString(), "--tables", "nope",
                "--master", "local[1]"), "unknown table");
    }

    private static int colours(BufferedImage img) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }

    /** RFC 4180 records (quoted fields may hold commas, quotes and newlines). */
    static List<List<String>> csv(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < s.length() && s.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    f.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(f.toString());
                f.setLength(0);
            } else if (c == '\n') {
                row.add(f.toString());
                f.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else {
                f.append(c);
            }
        }
        return rows;
    }
}
