package sinkscope.spark;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

/**
 * The extract stage: one prefill pass with hooks per sample ({@link SampleRunner#extract}) on the executor's
 * cached model. Input: {@link Tables#SAMPLE_INPUT}; output: {@link Tables#EXTRACTED}, one row per sample with
 * its token, head, dim and attention rows nested, or its error. {@link ExtractJob} splits it into tables.
 */
public final class ExtractStage {
    private RunnerSpec spec;
    private ExtractOptions options = ExtractOptions.defaults();
    private String imageRoot;
    private int partitions;
    private LongAccumulator progress;
    private int batchSize = 1;

    public ExtractStage setRunner(RunnerSpec spec) {
        this.spec = spec;
        return this;
    }

    public ExtractStage setOptions(ExtractOptions options) {
        this.options = options;
        return this;
    }

    /** Folder that relative {@code image_path}s are resolved under. */
    public ExtractOptions options() {
        return options;
    }

    public ExtractStage setImageRoot(String imageRoot) {
        this.imageRoot = imageRoot;
        return this;
    }

    /** Repartition the samples into this many tasks first (0 = keep the input's partitioning). */
    public ExtractStage setPartitions(int partitions) {
        this.partitions = partitions;
        return this;
    }

    /** Samples per forward pass ({@link SampleRunner#extract(List, ExtractOptions)}); default 1. */
    public ExtractStage setBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("extract: batch size must be >= 1, got " + batchSize);
        }
        this.batchSize = batchSize;
        return this;
    }

    /** Incremented once per finished sample (see {@link Progress}); optional. */
    public ExtractStage setProgress(LongAccumulator progress) {
        this.progress = progress;
        return this;
    }

    public Dataset<Row> transform(Dataset<Row> samples) {
        Tables.require(samples, Tables.SAMPLE_INPUT, "extract");
        if (spec == null) {
            throw new IllegalArgumentException("extract: no runner spec set");
        }
        spec.factory();
        Dataset<Row> in = partitions > 0 ? samples.repartition(partitions) : samples;
        return in.mapPartitions(new Run(spec, options, imageRoot, progress, batchSize), Encoders.row(Tables.EXTRACTED));
    }

    private record Run(RunnerSpec spec, ExtractOptions options, String imageRoot, LongAccumulator progress, int batchSize)
            implements MapPartitionsFunction<Row, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            SampleRunner runner = ExecutorModels.get(spec, DeviceAssignment.forCurrentTask(spec.threads()));
            return new Iterator<>() {
                final java.util.ArrayDeque<Row> ready = new java.util.ArrayDeque<>();
                int done;

                @Override
                public boolean hasNext() {
                    return !ready.isEmpty() || rows.hasNext();
                }

                @Override
                public Row next() {
                    if (ready.isEmpty()) {
                        List<Row> batch = new java.util.ArrayList<>(batchSize);
                        while (batch.size() < batchSize && rows.hasNext()) {
                            FaultInjection.maybeFail("extract", done + batch.size());
                            batch.add(rows.next());
                        }
                        ready.addAll(extract(runner, batch));
                        done += batch.size();
                        if (progress != null) {
                            progress.add(batch.size());
                        }
                    }
                    return ready.poll();
                }
            };
        }

        /** One output row per input row, in order: a batch through the runner, bad inputs as error rows. */
        private List<Row> extract(SampleRunner runner, List<Row> batch) {
            Row[] out = new Row[batch.size()];
            List<Integer> at = new java.util.ArrayList<>();
            List<SampleInput> inputs = new java.util.ArrayList<>();
            for (int i = 0; i < out.length; i++) {
                try {
                    inputs.add(SampleSource.toInput(batch.get(i), imageRoot));
                    at.add(i);
                } catch (SampleException e) {
                    out[i] = row(batch.get(i), null, e);
                }
            }
            List<SampleRunner.Outcome<ExtractResult>> results = runner.extract(inputs, options);
            for (int j = 0; j < at.size(); j++) {
                out[at.get(j)] = row(batch.get(at.get(j)), results.get(j).value(), results.get(j).error());
            }
            return List.of(out);
        }

        private static Row row(Row r, ExtractResult x, SampleException e) {
            String id = r.getAs("question_id");
            Integer line = r.getAs("line");
            String category = r.getAs("category");
            String label = r.getAs("label");
            if (e != null) {
                return RowFactory.create(id, line, category, label, e.stage(), e.reason(), null, null, null, null, null, null, null);
            }
            return RowFactory.create(id, line, category, label, null, null, x.numImageTokens(), x.seqLen(),
                    x.modelTimeMs(), tokens(x.tokens()), heads(x.heads()), dims(x.dims()), attention(x.attention()));
        }
    }

    private static Row[] tokens(List<ExtractResult.TokenRow> rows) {
        Row[] out = new Row[rows.size()];
        for (int i = 0; i < out.length; i++) {
            ExtractResult.TokenRow t = rows.get(i);
            out[i] = RowFactory.create(t.layer(), t.position(), t.modality(), t.phi(), t.isSink());
        }
        return out;
    }

    private static Row[] heads(List<ExtractResult.HeadRow> rows) {
        Row[] out = new Row[rows.size()];
        for (int i = 0; i < out.length; i++) {
            ExtractResult.HeadRow h = rows.get(i);
            out[i] = RowFactory.create(h.layer(), h.head(), h.query(), h.imageAttention(), h.visualSinkShare(),
                    h.textSinkShare(), h.imageCentric());
        }
        return out;
    }

    private static Row[] dims(List<ExtractResult.DimRow> rows) {
        Row[] out = new Row[rows.size()];
        for (int i = 0; i < out.length; i++) {
            ExtractResult.DimRow d = rows.get(i);
            out[i] = RowFactory.create(d.layer(), d.dim(), d.countAboveFloor(), d.maxRatio(), d.sumRatio());
        }
        return out;
    }

    private static Row[] attention(List<ExtractResult.AttentionRow> rows) {
        Row[] out = new Row[rows.size()];
        for (int i = 0; i < out.length; i++) {
            ExtractResult.AttentionRow a = rows.get(i);
            out[i] = RowFactory.create(a.layer(), a.panel(), a.gridRows(), a.gridCols(), a.weights(), a.sinkPatches(), a.picture());
        }
        return out;
    }
}
