package sinkscope.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sinkscope.benchmark.Benchmarks;
import sinkscope.benchmark.ScoreRun;
import sinkscope.data.PredictionReader;
import sinkscope.data.ReadError;
import sinkscope.eval.Significance;
import sinkscope.spark.PredictionTable;

/**
 * {@code score --benchmark NAME --predictions FILE [--annotations FILE[,FILE]] [--synonyms FILE] [--split test]
 * [--resamples 1000] [--seed 0]}: scores a predictions file with the benchmark's official metric, without a model
 * ({@link ScoreRun}), and prints one {@code name: value} line per metric ({@code metric} overall, {@code category.metric}
 * per category; names and units as {@code evaluate}'s metrics table: fractions, MME in points). Predictions: LLaVA's
 * answers JSONL, the official results JSON arrays ({@link PredictionReader}), the Parquet {@code predictions} table of a
 * run (or the run's output root), or for MME the eval tool's filled-in {@code <subtask>.txt} files. Annotations: the
 * benchmark's published files ({@link sinkscope.benchmark.Benchmark#layout}). With several configs each line is
 * {@code <config>.<name>}, and each config other than {@code baseline} gets the paired comparison on the units both have:
 * {@code vs_baseline.difference}, the seeded bootstrap interval {@code ci_low}/{@code ci_high} (95%), and for right/wrong
 * scores McNemar's exact {@code mcnemar_p}. Bad lines of any input are printed to stderr (file:line: field: reason) and
 * counted in {@code errors}; {@code unmatched} and {@code missing} count predictions without a question and questions
 * without a prediction.
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = "score a predictions file with a benchmark's official metric, without a model")
public final class ScoreCommand implements Callable<Integer> {

    @Option(names = "--benchmark", paramLabel = "NAME", required = true, order = 1,
            description = "a registered benchmark: pope, mme, vqav2, textvqa, vizwiz, gqa, scienceqa, mmbench, seed, cvbench, mmvp or chair")
    String benchmarkName;
    @Option(names = "--predictions", paramLabel = "FILE", required = true, order = 2,
            description = "LLaVA's answers JSONL, an official results JSON array (VQAv2/TextVQA/VizWiz/GQA), a run's predictions table (or output root), or for MME the eval tool's filled-in folder")
    Path predictions;
    @Option(names = "--annotations", paramLabel = "FILE", order = 3, split = ",",
            description = "the benchmark's published ground-truth files (ScienceQA: the folder with problems.json and pid_splits.json)")
    List<Path> annotations = new ArrayList<>();
    @Option(names = "--synonyms", paramLabel = "FILE", order = 4, description = "CHAIR's synonyms file")
    Path synonyms;
    @Option(names = "--split", paramLabel = "NAME", order = 5, defaultValue = "test",
            description = "ScienceQA's split in pid_splits.json (default: ${DEFAULT-VALUE})")
    String split;
    @Option(names = "--resamples", paramLabel = "INT", order = 6, defaultValue = "1000",
            description = "bootstrap resamples of the comparison against baseline (default: ${DEFAULT-VALUE})")
    int resamples;
    @Option(names = "--seed", paramLabel = "INT", order = 7, defaultValue = "0", description = "seed of the bootstrap (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--master", paramLabel = "URL", order = 8, description = "Spark master, to read a predictions table (default: local[*])")
    String master;

    @Override
    public Integer call() throws Exception {
        String benchmark = benchmarkName.toLowerCase(Locale.ROOT);
        ScoreRun run;
        try {
            Benchmarks.get(benchmark);
            run = new ScoreRun(benchmark, annotations, synonyms == null ? null : Files.readAllLines(synonyms, StandardCharsets.UTF_8), split);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Map<String, ScoreRun.Scored> byConfig = run.answered(predictions);
        if (byConfig == null) {
            try {
                byConfig = run.score(Files.isDirectory(predictions) ? PredictionTable.read(predictions, benchmark, master)
                        : run.predictions(PredictionReader.read(predictions), predictions));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        for (ReadError e : run.errors()) {
            System.err.println(e);
        }
        boolean several = byConfig.size() > 1;
        ScoreRun.Scored base = byConfig.get(sinkscope.intervention.Interventions.BASELINE);
        for (Map.Entry<String, ScoreRun.Scored> c : byConfig.entrySet()) {
            String prefix = several ? c.getKey() + "." : "";
            ScoreRun.Scored s = c.getValue();
            ScoreRun.named(s.scores()).forEach((k, v) -> System.out.println(prefix + k + ": " + format(v)));
            System.out.println(prefix + "unmatched: " + s.unmatched());
            System.out.println(prefix + "missing: " + s.missing());
            if (several && base != null && s != base) {
                boolean binary = base.scores().binary() && s.scores().binary();
                Significance.Paired cmp = Significance.paired(base.scores().units(), s.scores().units(), binary, resamples, seed, 0.95);
                String p = prefix + "vs_baseline.";
                System.out.println(p + "paired: " + cmp.n());
                System.out.println(p + "difference: " + format(cmp.interval().difference()));
                System.out.println(p + "ci_low: " + format(cmp.interval().lower()));
                System.out.println(p + "ci_high: " + format(cmp.interval().upper()));
                if (cmp.mcnemar() != null) {
                    System.out.println(p + "baseline_only: " + cmp.mcnemar().baselineOnly());
                    System.out.println(p + "config_only: " + cmp.mcnemar().configOnly());
                    System.out.println(p + "mcnemar_p: " + format(cmp.mcnemar().p()));
                }
            }
        }
        System.out.println("errors: " + run.errors().size());
        return 0;
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
