package sinkscope.report;

import static org.apache.spark.sql.functions.col;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import sinkscope.data.Question;
import sinkscope.data.QuestionReader;
import sinkscope.spark.OutputRoot;

/**
 * What the sections' queries read: the output root's tables as Spark reads their Parquet folders (every column,
 * extras included; an absent table is null, never an error), the run's parameters and its question file. Nothing
 * here writes.
 */
final class Input {
    final RunInfo run;
    final OutputRoot root;
    private final SparkSession spark;

    Input(SparkSession spark, String root, RunInfo run) {
        this.spark = spark;
        this.root = new OutputRoot(spark, root, false);
        this.run = run;
    }

    /** A table that is absent ({@code columns} empty) or lacks the named columns; the section says so instead of failing. */
    record Missing(String table, List<String> columns) {
        /** Null when {@code d} exists and has every one of {@code columns}. */
        static Missing check(String table, Dataset<Row> d, String... columns) {
            List<String> m = missing(d, columns);
            return d != null && m.isEmpty() ? null : new Missing(table, m);
        }
    }

    /** The table, or null when its folder is absent. */
    Dataset<Row> table(String name) {
        if (!root.exists(name)) {
            return null;
        }
        return spark.read().parquet(root.path(name));
    }

    static boolean has(Dataset<Row> d, String column) {
        return List.of(d.columns()).contains(column);
    }

    /** The {@code columns} that {@code d} lacks; none when {@code d} is null. */
    static List<String> missing(Dataset<Row> d, String... columns) {
        List<String> m = new ArrayList<>();
        if (d != null) {
            for (String c : columns) {
                if (!has(d, c)) {
                    m.add(c);
                }
            }
        }
        return m;
    }

    /** question_id -> value of a column of a table, as a string; empty when either is absent. */
    Map<String, String> column(String table, String name) {
        Dataset<Row> d = table(table);
        Map<String, String> m = new HashMap<>();
        if (d != null && has(d, "question_id") && has(d, name)) {
            for (Row r : d.select(col("question_id"), col(name).cast("string")).collectAsList()) {
                m.put(r.getString(0), r.getString(1));
            }
        }
        return m;
    }

    /** The questions of the run's question file by id (for image paths, texts, boxes); empty when unknown. */
    Map<String, Question> questions() throws IOException {
        Map<String, Question> m = new HashMap<>();
        String file = run.get("questions");
        if (file != null && Files.isRegularFile(sinkscope.data.Storage.path(file))) {
            for (Question q : QuestionReader.read(sinkscope.data.Storage.path(file)).questions()) {
                m.put(q.questionId(), q);
            }
        }
        return m;
    }
}
