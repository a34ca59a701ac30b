package sinkscope.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * The {@code sinkstats} job: aggregates the extract tables with Spark SQL into
 * <ul>
 *   <li>{@code sink_dimensions} (layer, dim): count of image tokens with {@code |x_d|/RMS(x) > floor}, frequency
 *       = count / all image tokens, samples, max and mean ratio, rank within the layer (count desc, max_ratio
 *       desc, dim asc), and {@code recommended}: the {@code topK} dims with the largest count summed over layers
 *       {@code >= firstLayer} (the recommended D_sink);
 *   <li>{@code sink_tokens} (layer): visual sinks (image tokens with phi > tau) per image, their share of image
 *       tokens, and a histogram over {@code bins} equal-width bins of the image-token index
 *       ({@code floor(index * bins / image tokens)});
 *   <li>{@code head_profile} (layer, head, query): means of image attention, visual-sink share and text-sink
 *       share, and the fraction of samples in which the head is image-centric.
 * </ul>
 * Derived tables: always replaced.
 */
public final class SinkStatsJob {
    private int topK = 2;
    private int firstLayer = 2;
    private int bins = 16;

    public SinkStatsJob setTopK(int topK) {
        this.topK = topK;
        return this;
    }

    public SinkStatsJob setFirstLayer(int firstLayer) {
        this.firstLayer = firstLayer;
        return this;
    }

    public SinkStatsJob setBins(int bins) {
        this.bins = bins;
        return this;
    }

    /** Writes the three tables from {@code out}'s extract tables; returns the recommended D_sink, ascending. */
    public List<Integer> run(OutputRoot out, PrintStream log) {
        for (String t : new String[] {"samples", "tokens", "heads", "dims"}) {
            if (!out.exists(t)) {
                throw new IllegalArgumentException("sinkstats: no " + t + " table under " + out.root() + " (run extract first)");
            }
        }
        Dataset<Row> dimensions = sinkDimensions(out.read("dims", Tables.DIMS), out.read("samples", Tables.SAMPLES));
        out.replace("sink_dimensions", dimensions, Tables.SINK_DIMENSIONS);
        TokensKeep kept = TokensKeep.recorded(out);
        String refusal = kept.sinkTokensRefusal();
        if (refusal != null) {
            log.println("sinkstats: sink_tokens not computed (left empty): " + refusal);
            Dataset<Row> none = out.read("tokens", Tables.TOKENS).sparkSession().createDataFrame(List.of(), Tables.SINK_TOKENS);
            out.replace("sink_tokens", none, Tables.SINK_TOKENS);
        } else {
            if (kept.mode().equals("layers")) {
                log.println("sinkstats: sink_tokens for layers " + kept.layers() + " only (--tokens-keep " + kept + ")");
            }
            out.replace("sink_tokens", sinkTokens(out.read("tokens", Tables.TOKENS)), Tables.SINK_TOKENS);
        }
        out.replace("head_profile", headProfile(out.read("heads", Tables.HEADS)), Tables.HEAD_PROFILE);
        List<Integer> dims = recommended(out.read("sink_dimensions", Tables.SINK_DIMENSIONS));
        log.println("sinkstats: recommended sink dims " + dims);
        return dims;
    }

    /** The dims flagged {@code recommended} in a {@code sink_dimensions} table, ascending. */
    public static List<Integer> recommended(Dataset<Row> sinkDimensions) {
        List<Integer> dims = new ArrayList<>();
        for (Row r : sinkDimensions.where(col("recommended")).select("dim").distinct().orderBy("dim").collectAsList()) {
            dims.add(r.getInt(0));
        }
        return dims;
    }

    public Dataset<Row> sinkDimensions(Dataset<Row> dims, Dataset<Row> samples) {
        Tables.require(dims, Tables.DIMS, "sinkstats (dims)");
        Tables.require(samples, Tables.SAMPLES, "sinkstats (samples)");
        Row totals = samples.agg(expr("coalesce(sum(num_image_tokens), 0L)")).first();
        long imageTokens = totals.getLong(0);
        Dataset<Row> agg = dims.groupBy("layer", "dim").agg(
                expr("sum(cast(count_above_floor as bigint))").as("count"),
                expr("count(distinct question_id)").as("samples"),
                expr("max(max_ratio)").as("max_ratio"),
                expr("sum(sum_ratio)").as("sum_ratio"));
        List<Integer> top = new ArrayList<>();
        for (Row r : agg.where(col("layer").geq(firstLayer)).groupBy("dim")
                .agg(expr("sum(count)").as("c"), expr("max(max_ratio)").as("m"))
                .orderBy(col("c").desc(), col("m").desc(), col("dim").asc()).limit(topK).collectAsList()) {
            top.add(r.getInt(0));
        }
        WindowSpec byLayer = Window.partitionBy("layer").orderBy(col("count").desc(), col("max_ratio").desc(), col("dim").asc());
        return agg
                .withColumn("frequency", expr(imageTokens == 0 ? "0.0d" : "cast(count as double) / " + imageTokens))
                .withColumn("mean_ratio", expr("case when count = 0 then 0.0d else sum_ratio / count end"))
                .withColumn("rank", expr("row_number()").over(byLayer))
                .withColumn("recommended", col("dim").isin(top.toArray()));
    }

    public Dataset<Row> sinkTokens(Dataset<Row> tokens) {
        Tables.require(tokens, Tables.TOKENS, "sinkstats (tokens)");
        WindowSpec image = Window.partitionBy("question_id", "layer");
        Dataset<Row> img = tokens.where(col("modality").equalTo(ExtractResult.IMAGE))
                .withColumn("index", col("position").minus(expr("min(position)").over(image)))
                .withColumn("image_tokens", expr("count(*)").over(image))
                .withColumn("bin", expr("cast(floor(index * " + bins + " / image_tokens) as int)"))
                .withColumn("sink", expr("cast(is_sink as bigint)"));
        Dataset<Row> perLayer = img.groupBy("layer").agg(
                expr("count(distinct question_id)").as("images"),
                expr("sum(sink)").as("sinks"),
                expr("count(*)").as("tokens"));
        Dataset<Row> histogram = img.groupBy("layer", "bin").agg(expr("sum(sink)").as("n"))
                .groupBy("layer").agg(expr("map_from_entries(collect_list(struct(bin, n)))").as("m"))
                .select(col("layer"), expr("transform(sequence(0, " + (bins - 1) + "), b -> coalesce(try_element_at(m, b), 0L))")
                        .as("position_histogram"));
        return perLayer.join(histogram, "layer")
                .withColumn("visual_sinks_per_image", expr("cast(sinks as double) / images"))
                .withColumn("sink_share", expr("cast(sinks as double) / tokens"));
    }

    public Dataset<Row> headProfile(Dataset<Row> heads) {
        Tables.require(heads, Tables.HEADS, "sinkstats (heads)");
        return heads.groupBy("layer", "head", "query").agg(
                expr("count(*)").as("samples"),
                expr("avg(image_attention)").as("mean_image_attention"),
                expr("avg(visual_sink_share)").as("mean_visual_sink_share"),
                expr("avg(text_sink_share)").as("mean_text_sink_share"),
                expr("avg(cast(image_centric as double))").as("image_centric_fraction"));
    }
}
