package sinkscope.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.Golden;
import sinkscope.model.ImageLayout;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.PillowResize;
import sinkscope.model.RgbImage;
import sinkscope.model.TileGrid;
import sinkscope.model.auto.Families;
import sinkscope.model.internvl.InternVl;
import sinkscope.spark.Tables;

/**
 * InternVL's panels over the picture (internvl-tiny-a, its four images: 1 to 4 tiles): each tile panel's picture
 * rectangle, laid on the canvas the processor resizes the picture to, cuts exactly the pixels of that tile; the tile
 * rectangles partition the picture; the thumbnail shows it whole; and the report draws one chart per panel, each over
 * its part of the picture.
 */
class InternVlPanelsReportTest {

    @Test
    void tilePanelsCoverThePictureAsTheProcessorTilesIt(@TempDir Path dir) throws Exception {
        List<Row> rows = new ArrayList<>();
        int most = 0;
        BufferedImage mostImage = null;
        List<ImageLayout.Panel> mostPanels = null;
        try (InternVl model = (InternVl) Families.load(Golden.internVlCheckpoint(), Device.cpu(), DataType.FLOAT32);
                NDManager m = model.newSampleManager();
                var images = Files.list(Golden.internVl().resolve("images"))) {
            for (Path file : images.sorted().toList()) {
                BufferedImage image = ImageIO.read(file.toFile());
                RgbImage rgb = RgbImage.of(image);
                TileGrid grid = model.imageProcessor().grid(image.getWidth(), image.getHeight());
                Inputs inputs = model.encode(m, InternVl.CHAT_TEMPLATE.replace("{question}", "Describe."), image, ImageOptions.DEFAULT);
                List<ImageLayout.Panel> panels = inputs.layout().panels();
                assertEquals(grid.numTiles(), panels.size(), file + ": one panel per tile");
                List<RgbImage> tiles = grid.crop(rgb);
                int t = grid.tile();
                RgbImage canvas = PillowResize.resize(rgb, grid.cols() * t, grid.rows() * t);
                double area = 0;
                for (int k = 0; k < grid.cols() * grid.rows(); k++) {
                    ImageLayout.Region r = panels.get(k).picture();
                    int x0 = (int) Math.round(r.x0() * canvas.width());
                    int y0 = (int) Math.round(r.y0() * canvas.height());
                    assertEquals(t, Math.round(r.x1() * canvas.width()) - x0, file + " tile " + k + " width on the canvas");
                    assertEquals(t, Math.round(r.y1() * canvas.height()) - y0, file + " tile " + k + " height on the canvas");
                    assertArrayEquals(tiles.get(k).hwc(), cut(canvas, x0, y0, t).hwc(), file + " tile " + k + ": the rectangle cuts the tile's pixels");
                    area += (r.x1() - r.x0()) * (r.y1() - r.y0());
                }
                assertEquals(1.0, area, 1e-12, file + ": the tiles cover the picture once");
                if (grid.thumbnail()) {
                    assertEquals(ImageLayout.Region.WHOLE, panels.get(panels.size() - 1).picture(), file + ": the thumbnail is the whole picture");
                }
                for (int k = 0; k < panels.size(); k++) {
                    ImageLayout.Panel p = panels.get(k);
                    float[] w = new float[p.rows() * p.cols()];
                    w[k % w.length] = 1;
                    rows.add(RowFactory.create(file.getFileName().toString(), 1, k, p.rows(), p.cols(), w, new int[] {}, p.picture().toArray()));
                }
                if (panels.size() > most) {
                    most = panels.size();
                    mostImage = image;
                    mostPanels = panels;
                }
            }
        }
        assertTrue(most >= 3, "a golden image with several tiles and a thumbnail");
        // the report crops the picture to each tile's rectangle: the tiles' crops add up to the picture
        long pixels = 0;
        for (ImageLayout.Panel p : mostPanels.subList(0, most - 1)) {
            BufferedImage part = AttentionSection.region(mostImage, p.picture().toArray());
            pixels += (long) part.getWidth() * part.getHeight();
        }
        assertEquals((long) mostImage.getWidth() * mostImage.getHeight(), pixels, "tile crops partition the picture");
        assertEquals(mostImage, AttentionSection.region(mostImage, mostPanels.get(most - 1).picture().toArray()), "thumbnail: the whole picture");
        double[] box = AttentionSection.patchBox(new double[] {0, 0, mostImage.getWidth(), mostImage.getHeight()}, mostImage.getWidth(),
                mostImage.getHeight(), 3, 3, mostPanels.get(0).picture().toArray());
        ImageLayout.Region first = mostPanels.get(0).picture();
        assertArrayEquals(new double[] {0, 0, 3 / (first.x1() - first.x0()), 3 / (first.y1() - first.y0())}, box, 1e-9,
                "the whole picture's box in the first tile's patch units");

        SparkSession spark = SparkSession.builder().master("local[1]").appName("internvl-panels-test").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        spark.createDataFrame(rows, Tables.ATTENTION).write().parquet(dir.resolve("in/attention").toString());
        Report.Result r = Report.write(spark, dir.resolve("in").toString(), dir.resolve("report"), RunInfo.none());
        assertEquals(rows.size(), r.charts().stream().filter(p -> p.getFileName().toString().startsWith("attention_")).count(), "one chart per panel");
    }

    private static RgbImage cut(RgbImage canvas, int x0, int y0, int side) {
        byte[] px = new byte[side * side * 3];
        for (int y = 0; y < side; y++) {
            System.arraycopy(canvas.hwc(), ((y0 + y) * canvas.width() + x0) * 3, px, y * side * 3, side * 3);
        }
        return new RgbImage(side, side, px);
    }
}
