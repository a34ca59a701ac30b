package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** docs/tables.md documents every output table with a line per column, in the order of {@link Tables}, and is the generated page. */
class TablesPageTest {
    private static final String[] OUTPUT_TABLES = {"TOKENS", "HEADS", "DIMS", "ATTENTION", "SAMPLES", "ERRORS", "SINK_DIMENSIONS", "SINK_TOKENS",
        "HEAD_PROFILE", "PREDICTIONS", "METRICS", "BENCHMARK_METRICS", "SIGNIFICANCE", "GROUNDING", "ATTENTION_BY_CONFIG"};

    private static final Path PAGE = Path.of("docs", "tables.md");

    @Test
    void everyColumnOfEveryTableIsDocumented() throws IOException, ReflectiveOperationException {
        String page = Files.readString(PAGE);
        Map<String, List<String>> documented = new LinkedHashMap<>();
        Matcher section = Pattern.compile("(?m)^## `(\\w+)/`$").matcher(page);
        List<int[]> spans = new ArrayList<>();
        List<String> names = new ArrayList<>();
        while (section.find()) {
            names.add(section.group(1));
            spans.add(new int[] {section.end()});
        }
        for (int i = 0; i < names.size(); i++) {
            Matcher next = Pattern.compile("(?m)^#").matcher(page);
            int end = next.find(spans.get(i)[0]) ? next.start() : page.length();
            String body = page.substring(spans.get(i)[0], end);
            List<String> cols = new ArrayList<>();
            Matcher row = Pattern.compile("(?m)^\\| `(\\w+)` \\|").matcher(body);
            while (row.find()) {
                cols.add(row.group(1));
            }
            documented.put(names.get(i), cols);
        }
        assertEquals(OUTPUT_TABLES.length, documented.size(), "tables on the page: " + documented.keySet());
        for (String t : OUTPUT_TABLES) {
            StructType schema = (StructType) Tables.class.getField(t).get(null);
            List<String> cols = new ArrayList<>();
            for (StructField f : schema.fields()) {
                cols.add(f.name());
            }
            assertEquals(cols, documented.get(t.toLowerCase(java.util.Locale.ROOT)), "docs/tables.md section ## `" + t.toLowerCase(java.util.Locale.ROOT) + "/`");
        }
    }

    @Test
    void theCommittedPageIsTheGeneratedOne() throws IOException {
        assertEquals(TablesPage.markdown(), Files.readString(PAGE),
                "docs/tables.md differs from what sinkscope.spark.Tables generates: run `jobs/sinkscope docs` and commit docs/tables.md");
    }
}
