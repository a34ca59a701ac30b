package sinkscope.report;

import static org.apache.spark.sql.functions.col;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The {@code errors} table grouped by job and stage, largest group first, each with its row count and up to
 * {@value #EXAMPLES} examples naming the sample, the input line and the reason.
 */
final class ErrorSection extends Section<ErrorSection.Data> {
    static final int EXAMPLES = 3;

    /** An error row: question id and line (null when the table or the row has none) and the reason. */
    record Example(String id, Object line, String reason) {}

    record Group(String job, String stage, long rows, List<Example> examples) {}

    /** {@code groups} empty: no errors. */
    record Data(Input.Missing missing, List<Group> groups) {}

    ErrorSection() {
        super("errors", "Errors");
    }

    @Override
    Data query(Input in) {
        Dataset<Row> errors = in.table("errors");
        Input.Missing missing = Input.Missing.check("errors", errors, "job", "stage", "reason");
        if (missing != null) {
            return new Data(missing, List.of());
        }
        boolean hasId = Input.has(errors, "question_id");
        boolean hasLine = Input.has(errors, "line");
        List<Group> groups = new ArrayList<>();
        for (Row grp : errors.groupBy("job", "stage").count().orderBy(col("count").desc(), col("job"), col("stage")).collectAsList()) {
            String job = grp.getString(0);
            String stage = grp.getString(1);
            List<Example> examples = new ArrayList<>();
            for (Row e : errors.where(col("job").equalTo(job).and(col("stage").equalTo(stage))).limit(EXAMPLES).collectAsList()) {
                Object id = hasId ? e.getAs("question_id") : null;
                examples.add(new Example(id == null ? null : id.toString(), hasLine ? e.getAs("line") : null, String.valueOf((Object) e.getAs("reason"))));
            }
            groups.add(new Group(job, stage, grp.getLong(2), examples));
        }
        return new Data(null, groups);
    }

    @Override
    void render(Data d, Page page) {
        if (d.missing() != null) {
            page.absent(d.missing(), "");
            return;
        }
        if (d.groups().isEmpty()) {
            page.add("<p class=\"ok\">No errors: every input was processed by every job.</p>\n");
            return;
        }
        page.add("<table><tr><th>job</th><th>stage</th><th>rows</th><th>examples (question_id, line: reason)</th></tr>\n");
        for (Group g : d.groups()) {
            page.add("<tr><td>").add(Page.esc(g.job())).add("</td><td>").add(Page.esc(g.stage())).add("</td><td class=\"num\">")
                    .add(g.rows()).add("</td><td><ul>");
            for (Example e : g.examples()) {
                page.add("<li><code>").add(Page.esc(e.id() == null ? "-" : e.id())).add(", ")
                        .add(e.line() == null ? "-" : "line " + e.line()).add("</code>: ").add(Page.esc(e.reason())).add("</li>");
            }
            page.add("</ul></td></tr>\n");
        }
        page.add("</table>\n");
    }
}
