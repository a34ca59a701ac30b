package sinkscope.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.spark.Tables;

/**
 * The report draws every panel of the attention table: a LLaVA-NeXT sample's tile mosaic (panel 1, its own grid)
 * right after its base image grid (panel 0) in the same row, one chart each; a single-panel sample gets one chart.
 */
class ReportPanelsTest {
    private static final double[] WHOLE = {0, 0, 1, 1};

    @Test
    void mosaicBesideTheBaseGrid(@TempDir Path dir) throws Exception {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("report-panels-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        List<Row> rows = List.of(
                RowFactory.create("next", 1, 0, 2, 2, new float[] {0.1f, 0.2f, 0.3f, 0.4f}, new int[] {1}, WHOLE),
                RowFactory.create("next", 1, 1, 2, 3, new float[] {0.5f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f}, new int[] {0, 4}, WHOLE),
                RowFactory.create("one", 1, 0, 2, 2, new float[] {0.4f, 0.3f, 0.2f, 0.1f}, new int[] {}, WHOLE));
        spark.createDataFrame(rows, Tables.ATTENTION).write().parquet(dir.resolve("in/attention").toString());
        Report.Result r = Report.write(spark, dir.resolve("in").toString(), dir.resolve("report"), RunInfo.none());
        String html = Files.readString(r.index());
        String base = "charts/attention_next_extract_L1.png";
        String mosaic = "charts/attention_next_extract_L1_P1.png";
        assertTrue(html.contains(base) && html.contains(mosaic), "both panels of the LLaVA-NeXT sample drawn");
        String row = html.substring(html.indexOf(base));
        row = row.substring(0, row.indexOf("</div>"));
        assertTrue(row.contains(mosaic), "the mosaic in the base grid's row, after it");
        assertTrue(html.contains("charts/attention_one_extract_L1.png"));
        assertEquals(0, html.split("attention_one_extract_L1_P", -1).length - 1, "one panel: one chart");
        assertTrue(Files.size(dir.resolve("report").resolve(mosaic)) > 1000, "mosaic chart written");
        assertEquals(3, r.charts().stream().filter(p -> p.getFileName().toString().startsWith("attention_")).count());
    }
}
