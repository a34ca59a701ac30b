package sinkscope.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.xxhash64;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * {@code --tokens-keep}: which rows the {@code tokens} table keeps (one row per sample, layer and token: about 20,000 per
 * LLaVA-1.5 sample, so most of a run's bytes).
 * <ul>
 *   <li>{@code all} (default): every row;</li>
 *   <li>{@code image}: image tokens only;</li>
 *   <li>{@code sinks}: rows with {@code is_sink} only;</li>
 *   <li>{@code layers=a,b}: the given layers only;</li>
 *   <li>{@code sample=N@SEED}: N token positions per sample, the same at every layer, chosen by a hash of (sample id,
 *   position, seed): an unbiased sample of positions for distributions of {@code phi}.</li>
 * </ul>
 * What each statistic computed from {@code tokens} needs: {@code sink_tokens} (visual sinks per image, sink share and
 * position histogram per layer) needs every image token of a layer, so it is exact under {@code all}, {@code image} and
 * {@code layers=} (for those layers only) and is not computed under {@code sinks} and {@code sample=}
 * ({@link #sinkTokensRefusal}). The mode is recorded beside the table ({@link #FILE}) for the jobs that read it later.
 */
public record TokensKeep(String mode, List<Integer> layers, int n, long seed) implements Serializable {
    public static final TokensKeep ALL = new TokensKeep("all", List.of(), 0, 0);
    /** The record of the mode a {@code tokens} table was written with, inside its folder. */
    public static final String FILE = "tokens/_tokens_keep";

    public TokensKeep {
        layers = List.copyOf(layers);
    }

    /** {@code all | image | sinks | layers=a,b | sample=N@SEED}; a bad value names the flag and the forms. */
    public static TokensKeep parse(String v) {
        String s = v.trim();
        try {
            if (s.equals("all") || s.equals("image") || s.equals("sinks")) {
                return new TokensKeep(s, List.of(), 0, 0);
            }
            if (s.startsWith("layers=")) {
                List<Integer> layers = Arrays.stream(s.substring(7).split(",")).map(String::trim).filter(x -> !x.isEmpty())
                        .map(Integer::parseInt).sorted().distinct().toList();
                if (!layers.isEmpty()) {
                    return new TokensKeep("layers", layers, 0, 0);
                }
            }
            if (s.startsWith("sample=")) {
                String[] p = s.substring(7).split("@");
                int n = Integer.parseInt(p[0].trim());
                if (n > 0 && p.length <= 2) {
                    return new TokensKeep("sample", List.of(), n, p.length == 2 ? Long.parseLong(p[1].trim()) : 0);
                }
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("--tokens-keep expects all, image, sinks, layers=a,b or sample=N@SEED; got '" + v + "'");
    }

    /** The rows of {@code tokens} ({@link Tables#TOKENS}) this mode keeps. */
    public Dataset<Row> apply(Dataset<Row> tokens) {
        return switch (mode) {
            case "all" -> tokens;
            case "image" -> tokens.where(col("modality").equalTo(ExtractResult.IMAGE));
            case "sinks" -> tokens.where(col("is_sink"));
            case "layers" -> tokens.where(col("layer").isin(layers.toArray()));
            case "sample" -> tokens
                    .withColumn("_rank", row_number().over(Window.partitionBy("question_id", "layer")
                            .orderBy(xxhash64(col("question_id"), col("position"), lit(seed)), col("position"))))
                    .where(col("_rank").leq(n)).drop("_rank");
            default -> throw new IllegalStateException(mode);
        };
    }

    /**
     * Why {@code sink_tokens} cannot be computed from a table kept this way, or null when it can (for {@code layers=},
     * for those layers only).
     */
    public String sinkTokensRefusal() {
        return switch (mode) {
            case "sinks" -> "it needs every image token of a layer and the tokens table keeps only sink rows (--tokens-keep sinks)";
            case "sample" -> "it needs every image token of a layer and the tokens table keeps " + n + " sampled positions per sample (--tokens-keep " + this + ")";
            default -> null;
        };
    }

    /** The flag's value. */
    @Override
    public String toString() {
        return switch (mode) {
            case "layers" -> "layers=" + layers.stream().map(String::valueOf).collect(Collectors.joining(","));
            case "sample" -> "sample=" + n + "@" + seed;
            default -> mode;
        };
    }

    /** The mode recorded in {@code out} ({@link #FILE}); {@link #ALL} for a table written before the flag existed. */
    public static TokensKeep recorded(OutputRoot out) {
        String text = out.readText(FILE);
        return text == null ? ALL : parse(text.strip());
    }
}
