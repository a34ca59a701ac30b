package sinkscope.spark;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import sinkscope.eval.Chair;
import sinkscope.eval.TaskScore;

/**
 * The evaluate stage: greedy generation per (sample, config) ({@link SampleRunner#predict}) and the answer parsed and
 * scored by its benchmark's rule ({@link TaskScore}: pred, correct, score). Input: {@link Tables#SAMPLE_INPUT}, optionally with a {@code config} column naming which of the
 * stage's configs to run for that row (otherwise every config runs for every sample); output:
 * {@link Tables#EVALUATED}, one row per (sample, config) with its answer or its error.
 */
public final class EvaluateStage {
    private RunnerSpec spec;
    private List<EvalConfig> configs = List.of(EvalConfig.parse("baseline"));
    private String imageRoot;
    private int partitions;
    private List<Integer> attentionLayers = List.of();
    private LongAccumulator progress;
    private BenchmarkOptions benchmarks = BenchmarkOptions.defaults();
    private int batchSize = 1;

    /** Prompt suffixes, caption length and CHAIR vocabulary (default {@link BenchmarkOptions#defaults()}). */
    public EvaluateStage setBenchmarks(BenchmarkOptions benchmarks) {
        this.benchmarks = benchmarks;
        return this;
    }

    public BenchmarkOptions benchmarks() {
        return benchmarks;
    }

    /** The model's name in judge files: its folder's name ({@code tiny-llava} for the bundled model). */
    public String modelId() {
        return spec == null || spec.modelDir() == null ? "tiny-llava" : sinkscope.data.Storage.path(spec.modelDir()).toAbsolutePath().normalize().getFileName().toString();
    }

    public EvaluateStage setRunner(RunnerSpec spec) {
        this.spec = spec;
        return this;
    }

    public EvaluateStage setConfigs(List<EvalConfig> configs) {
        if (configs.isEmpty()) {
            throw new IllegalArgumentException("evaluate: no configs");
        }
        this.configs = List.copyOf(configs);
        return this;
    }

    public List<EvalConfig> configs() {
        return configs;
    }

    public EvaluateStage setImageRoot(String imageRoot) {
        this.imageRoot = imageRoot;
        return this;
    }

    /** Layers whose last-prompt-token attention over the image each prediction records (the {@code attention_by_config} table). */
    public EvaluateStage setAttentionLayers(List<Integer> layers) {
        this.attentionLayers = List.copyOf(layers);
        return this;
    }

    public List<Integer> attentionLayers() {
        return attentionLayers;
    }

    public EvaluateStage setPartitions(int partitions) {
        this.partitions = partitions;
        return this;
    }

    /**
     * Samples per forward pass (default 1): {@code B} samples' rows are taken together and each config runs on them as
     * one batch ({@link SampleRunner#predict(List, EvalConfig, List)}), so a sample's configs still share its image.
     */
    public EvaluateStage setBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("evaluate: batch size must be >= 1, got " + batchSize);
        }
        this.batchSize = batchSize;
        return this;
    }

    /** Incremented once per finished (sample, config); optional. */
    public EvaluateStage setProgress(LongAccumulator progress) {
        this.progress = progress;
        return this;
    }

    /**
     * The (sample, config) rows: every sample with every config, as {@link #transform} runs them (the config names
     * exploded from a literal array: no join, so no broadcast job).
     */
    public Dataset<Row> pairs(Dataset<Row> samples) {
        Tables.require(samples, Tables.SAMPLE_INPUT, "evaluate");
        Column[] names = new Column[configs.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = lit(configs.get(i).name());
        }
        return samples.withColumn("config", explode(array(names)));
    }

    public Dataset<Row> transform(Dataset<Row> samples) {
        Tables.require(samples, Tables.SAMPLE_INPUT, "evaluate");
        if (spec == null) {
            throw new IllegalArgumentException("evaluate: no runner spec set");
        }
        spec.factory();
        Dataset<Row> in = List.of(samples.columns()).contains("config") ? samples : pairs(samples);
        Tables.require(in, new StructType().add("config", DataTypes.StringType), "evaluate");
        if (partitions > 0) { // by image: an image's questions stay in one partition (round robin would spread them)
            in = in.repartition(partitions, col("image_path"), xxhash64(col("image_bytes")));
        }
        Map<String, EvalConfig> byName = new LinkedHashMap<>();
        for (EvalConfig c : configs) {
            byName.put(c.name(), c);
        }
        // by image first: the questions about one image land in one batch, which computes their common prompt prefix
        // (image included) and the image's features once; the rows' content does not depend on the order
        return in.sortWithinPartitions(col("image_path"), xxhash64(col("image_bytes")), col("question_id"), col("config"))
                .mapPartitions(new Run(spec, byName, imageRoot, attentionLayers, progress, benchmarks, batchSize), Encoders.row(Tables.EVALUATED));
    }

    /** The prediction's attention rows as {@code array<struct<layer, panel, grid_rows, grid_cols, weights>>}, null when none were asked for. */
    private static Row[] attentionRows(Prediction p, List<Integer> layers) {
        if (p.attention() == null || layers.isEmpty()) {
            return null;
        }
        return p.attention().stream().map(a -> RowFactory.create(a.layer(), a.panel(), a.gridRows(), a.gridCols(), a.weights())).toArray(Row[]::new);
    }

    private record Run(RunnerSpec spec, Map<String, EvalConfig> configs, String imageRoot, List<Integer> attentionLayers, LongAccumulator progress,
                       BenchmarkOptions benchmarks, int batchSize)
            implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            SampleRunner runner = ExecutorModels.get(spec, DeviceAssignment.forCurrentTask(spec.threads()));
            return new Iterator<>() {
                final java.util.ArrayDeque<Row> ready = new java.util.ArrayDeque<>();
                Row pending;
                int done;

                @Override
                public boolean hasNext() {
                    return !ready.isEmpty() || pending != null || rows.hasNext();
                }

                /**
                 * The next rows of {@code batchSize} samples (rows come sorted by image, then sample, so a sample's
                 * configs are adjacent and an image's samples follow one another).
                 */
                @Override
                public Row next() {
                    if (ready.isEmpty()) {
                        List<Row> chunk = new ArrayList<>();
                        java.util.Set<String> samples = new java.util.HashSet<>();
                        while (pending != null || rows.hasNext()) {
                            Row r = pending != null ? pending : rows.next();
                            pending = null;
                            String id = r.getAs("question_id");
                            if (!samples.contains(id) && samples.size() == batchSize) {
                                pending = r;
                                break;
                            }
                            FaultInjection.maybeFail("evaluate", done + chunk.size());
                            samples.add(id);
                            chunk.add(r);
                        }
                        ready.addAll(predict(runner, chunk));
                        done += chunk.size();
                        if (progress != null) {
                            progress.add(chunk.size());
                        }
                    }
                    return ready.poll();
                }
            };
        }

        /** One output row per input row, in order: each config's rows of the chunk as one batch, bad rows as error rows. */
        private List<Row> predict(SampleRunner runner, List<Row> chunk) {
            Row[] out = new Row[chunk.size()];
            Map<String, List<Integer>> byConfig = new LinkedHashMap<>();
            List<SampleInput> inputs = new ArrayList<>(java.util.Collections.nCopies(chunk.size(), null));
            List<Chair> chairOf = new ArrayList<>(java.util.Collections.nCopies(chunk.size(), null));
            for (int i = 0; i < out.length; i++) {
                Row r = chunk.get(i);
                String name = r.getAs("config");
                String benchmark = r.getAs("benchmark");
                String task = r.getAs("task");
                try {
                    if (configs.get(name) == null) {
                        throw new SampleException("evaluate", "config '" + name + "' is not one of " + configs.keySet());
                    }
                    SampleInput in = SampleSource.toInput(r, imageRoot);
                    if (TaskScore.CAPTION.equals(task)) {
                        List<String> vocabulary = benchmarks.vocabulary(benchmark);
                        if (vocabulary == null) {
                            throw new SampleException("score", "caption benchmark '" + benchmark + "' needs a CHAIR vocabulary: --synonyms FILE");
                        }
                        chairOf.set(i, chairs.computeIfAbsent(vocabulary, Chair::new)); // mentions() only reads the vocabulary: shared by task threads
                        in = new SampleInput(in.questionId(), in.line(), in.imagePath(), in.imageBytes(), in.question(), in.label(), in.category(),
                                in.object(), in.box(), in.benchmark(), in.task(), benchmarks.captionMaxNewTokens());
                    } else if (TaskScore.JUDGE.equals(task)) {
                        in = new SampleInput(in.questionId(), in.line(), in.imagePath(), in.imageBytes(), in.question(), in.label(), in.category(),
                                in.object(), in.box(), in.benchmark(), in.task(), benchmarks.judgeMaxNewTokens());
                    }
                    inputs.set(i, in);
                    byConfig.computeIfAbsent(name, k -> new ArrayList<>()).add(i);
                } catch (SampleException e) {
                    out[i] = row(r, null, null, e);
                }
            }
            for (Map.Entry<String, List<Integer>> e : byConfig.entrySet()) {
                List<Integer> at = e.getValue();
                List<SampleRunner.Outcome<Prediction>> results = runner.predict(at.stream().map(inputs::get).toList(), configs.get(e.getKey()), attentionLayers);
                for (int j = 0; j < at.size(); j++) {
                    int i = at.get(j);
                    out[i] = row(chunk.get(i), results.get(j).value(), chairOf.get(i), results.get(j).error());
                }
            }
            return List.of(out);
        }

        /** The evaluated row of {@code r}: the prediction parsed and scored by its benchmark's rule, or the error. */
        private Row row(Row r, Prediction p, Chair chair, SampleException error) {
            String id = r.getAs("question_id");
            Integer line = r.getAs("line");
            String category = r.getAs("category");
            String label = r.getAs("label");
            String name = r.getAs("config");
            String benchmark = r.getAs("benchmark");
            String task = r.getAs("task");
            String group = r.getAs("group");
            SampleException e = error;
            if (e == null) {
                try {
                    TaskScore.Parsed parsed = sinkscope.benchmark.Benchmarks.score(new TaskScore.Reference(benchmark, task, label, strings(r.getAs("options")), strings(r.getAs("answers"))),
                            p.answer(), chair);
                    return RowFactory.create(id, line, category, label, name, benchmark, task, group, r.getAs("options"), r.getAs("answers"), null, null,
                            p.answer(), parsed.pred(), parsed.correct(), Double.isNaN(parsed.score()) ? null : parsed.score(), p.latencyMs(), p.imageAttentionByLayer(), p.objectShareByLayer(),
                            attentionRows(p, attentionLayers));
                } catch (IllegalArgumentException x) {
                    e = new SampleException("score", x.getMessage());
                }
            }
            return RowFactory.create(id, line, category, label, name, benchmark, task, group, r.getAs("options"), r.getAs("answers"),
                    name + "/" + e.stage(), e.reason(), null, null, null, null, null, null, null, null);
        }

        private static final Map<List<String>, Chair> chairs = new java.util.concurrent.ConcurrentHashMap<>();

        private static List<String> strings(Object seq) {
            if (seq == null) {
                return List.of();
            }
            return scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<String>) seq);
        }
    }
}
