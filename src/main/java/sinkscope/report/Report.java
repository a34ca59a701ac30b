package sinkscope.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The HTML report over a pipeline's output root: {@code index.html} plus PNG charts in {@code charts/}, all
 * relative, so the folder opens offline. Sections, in page order: run (parameters, model, dataset, row counts),
 * attention of the last prompt token over the image, sink dimensions and sink tokens per layer, layer x head
 * heatmaps, POPE metrics against baseline, each benchmark's own metrics, significance against baseline, the
 * interventions side by side (against baseline and VAR, with their cost), the parameter sweeps, image attention per layer, and the errors grouped by job and stage. Each is a {@link Section}:
 * a query over the tables (read by column name, extras ignored) and a render onto the {@link Page}, which writes
 * every file.
 */
public final class Report {
    private Report() {}

    private static final List<Section<?>> PARTS = List.of(new RunSection(), new AttentionSection(), new SinkSection(), new HeadSection(),
            new MetricsSection(), new BenchmarkSection(), new SignificanceSection(), new InterventionsSection(), new SweepSection(), new GroundingSection(),
            new ErrorSection());

    /** Sections in page order: anchor id and heading. */
    public static final Map<String, String> SECTIONS = sections();

    /** What {@link #write} produced. */
    public record Result(Path index, List<Path> charts) {}

    /**
     * Writes {@code out/index.html} and {@code out/charts/*.png} for the output root {@code in}. {@code run}:
     * the run's parameters, saved as {@code out/run.properties}; when it is empty, the {@code run.properties} an
     * earlier {@code pipeline} run saved in {@code out} or in {@code in/report} is used if present.
     */
    public static Result write(SparkSession spark, String in, Path out, RunInfo run) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Page page = Page.open(out);
        RunInfo info = run;
        if (info.parameters().isEmpty()) {
            info = RunInfo.load(out);
        }
        if (info.parameters().isEmpty()) {
            info = RunInfo.load(sinkscope.data.Storage.path(in).resolve("report"));
        }
        if (!run.parameters().isEmpty()) {
            page.saveRun(run);
        }
        Input input = new Input(spark, in, info);
        for (Section<?> s : PARTS) {
            page.open(s.id, s.title);
            s.write(input, page);
            page.close();
        }
        Path index = page.finish(input.root.root(), SECTIONS);
        return new Result(index, page.charts());
    }

    private static Map<String, String> sections() {
        Map<String, String> s = new LinkedHashMap<>();
        for (Section<?> p : PARTS) {
            s.put(p.id, p.title);
        }
        return s;
    }
}
