package sinkscope.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYShapeAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's charts, drawn by JFreeChart: line charts over layers, grouped bars, layer x head heatmaps and the
 * attention-over-image view (an {@link XYBlockRenderer} grid of patches, translucent, over the image as the
 * plot's background, sink patches outlined). Colours follow the viridis map for heatmaps and a black-body map for
 * attention.
 */
final class Charts {
    private Charts() {}

    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    static final Color SINK = new Color(0, 229, 255);
    static final Color OBJECT = new Color(60, 255, 60);

    /** Distinct series colours (Tableau 10), assigned in series order. */
    private static final Color[] SERIES = {
        new Color(0x4e79a7), new Color(0xf28e2b), new Color(0xe15759), new Color(0x76b7b2), new Color(0x59a14f),
        new Color(0xedc948), new Color(0xb07aa1), new Color(0xff9da7), new Color(0x9c755f), new Color(0xbab0ac)};

    private static final int[][] VIRIDIS = {
        {68, 1, 84}, {72, 40, 120}, {62, 74, 137}, {49, 104, 142}, {38, 130, 142}, {31, 158, 137}, {53, 183, 121},
        {109, 205, 89}, {180, 222, 44}, {253, 231, 37}};

    private static final int[][] HOT = {{20, 0, 60}, {120, 20, 110}, {210, 50, 60}, {250, 140, 20}, {252, 240, 90}};

    /** A y-over-x line chart, one series per map entry (x = layer), markers on each point. */
    static JFreeChart lines(String title, String xLabel, String yLabel, Map<String, double[][]> series, boolean logY) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), true, false);
            for (double[] p : e.getValue()) {
                if (!logY || p[1] > 0) {
                    s.add(p[0], p[1]);
                }
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        chart.getTitle().setFont(TITLE);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.size(); i++) {
            r.setSeriesPaint(i, SERIES[i % SERIES.length]);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(r);
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        if (logY) {
            LogAxis y = new LogAxis(yLabel);
            y.setBase(10);
            y.setSmallestValue(1e-3);
            plot.setRangeAxis(y);
        } else {
            ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        }
        return style(chart);
    }

    /** Grouped vertical bars: {@code values.get(series).get(category)}. */
    static JFreeChart bars(String title, String categoryLabel, String valueLabel, Map<String, Map<String, Double>> values,
            Double upper) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map.Entry<String, Map<String, Double>> s : values.entrySet()) {
            for (Map.Entry<String, Double> c : s.getValue().entrySet()) {
                data.addValue(c.getValue(), s.getKey(), c.getKey());
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(title, categoryLabel, valueLabel, data, PlotOrientation.VERTICAL, true, false, false);
        chart.getTitle().setFont(TITLE);
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.05);
        for (int i = 0; i < values.size(); i++) {
            r.setSeriesPaint(i, SERIES[i % SERIES.length]);
        }
        CategoryAxis x = plot.getDomainAxis();
        if (data.getColumnCount() > 8) {
            x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        }
        if (upper != null) {
            plot.getRangeAxis().setRange(0, upper);
        }
        return style(chart);
    }

    /**
     * A heatmap of {@code z[row][col]} with rows on the y axis (row 0 at the bottom) and columns on the x axis,
     * colour range {@code [lo, hi]} with a legend labelled {@code zLabel}.
     */
    static JFreeChart heatmap(String title, String xLabel, String yLabel, String zLabel, double[][] z, double lo, double hi) {
        int rows = z.length;
        int cols = rows == 0 ? 0 : z[0].length;
        double[][] xyz = new double[3][rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int k = i * cols + j;
                xyz[0][k] = j;
                xyz[1][k] = i;
                xyz[2][k] = z[i][j];
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries(zLabel, xyz);
        NumberAxis x = integerAxis(xLabel, cols);
        NumberAxis y = integerAxis(yLabel, rows);
        XYBlockRenderer r = new XYBlockRenderer();
        PaintScale scale = new MapScale(VIRIDIS, lo, hi, false);
        r.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setBackgroundPaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, TITLE, plot, false);
        chart.addSubtitle(legend(scale, zLabel));
        return style(chart);
    }

    /**
     * Attention of one query over a {@code rows x cols} patch grid (row-major weights), drawn translucent over
     * {@code image} (as the model saw it: the centre square for LLaVA-1.5, the whole image for Qwen2-VL; null = grid
     * only), patch (0, 0) top left; {@code sinks} outlined in
     * cyan, {@code box} (patch units x0, y0, x1, y1; null = none) dashed green.
     */
    static JFreeChart attention(String title, int rows, int cols, float[] weights, List<Integer> sinks, BufferedImage image, double[] box) {
        double[][] xyz = new double[3][weights.length];
        double max = 0;
        for (int k = 0; k < weights.length; k++) {
            xyz[0][k] = k % cols + 0.5;
            xyz[1][k] = k / cols + 0.5;
            xyz[2][k] = weights[k];
            max = Math.max(max, weights[k]);
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("attention", xyz);
        NumberAxis x = new NumberAxis("patch column");
        NumberAxis y = new NumberAxis("patch row");
        x.setRange(0, cols);
        y.setRange(0, rows);
        for (NumberAxis a : List.of(x, y)) {
            a.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            a.setLowerMargin(0);
            a.setUpperMargin(0);
        }
        y.setInverted(true);
        XYBlockRenderer r = new XYBlockRenderer();
        PaintScale scale = new MapScale(HOT, 0, max > 0 ? max : 1, image != null);
        r.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setBackgroundPaint(image == null ? Color.DARK_GRAY : Color.BLACK);
        if (image != null) {
            plot.setBackgroundImage(image);
            plot.setBackgroundImageAlpha(1f);
        }
        for (int s : sinks) {
            plot.addAnnotation(new XYShapeAnnotation(new Rectangle2D.Double(s % cols, s / cols, 1, 1),
                    new BasicStroke(2f), SINK));
        }
        if (box != null) {
            plot.addAnnotation(new XYShapeAnnotation(new Rectangle2D.Double(box[0], box[1], box[2] - box[0], box[3] - box[1]),
                    new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f), OBJECT));
        }
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 13), plot, false);
        chart.addSubtitle(legend(scale, "attention weight"));
        return style(chart);
    }

    static void png(JFreeChart chart, int width, int height, Path file) throws IOException {
        try (java.io.OutputStream o = java.nio.file.Files.newOutputStream(file)) {
            ChartUtils.writeChartAsPNG(o, chart, width, height);
        }
    }

    private static NumberAxis integerAxis(String label, int n) {
        NumberAxis a = new NumberAxis(label);
        a.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        a.setRange(-0.5, Math.max(n, 1) - 0.5);
        return a;
    }

    private static PaintScaleLegend legend(PaintScale scale, String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setLabelFont(LABEL);
        axis.setTickLabelFont(TICK);
        axis.setRange(scale.getLowerBound(), scale.getUpperBound());
        PaintScaleLegend legend = new PaintScaleLegend(scale, axis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.TOP_OR_RIGHT);
        legend.setMargin(new RectangleInsets(8, 4, 8, 4));
        legend.setStripWidth(12);
        legend.setFrame(BlockBorder.NONE);
        return legend;
    }

    private static JFreeChart style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        if (chart.getLegend() != null) {
            chart.getLegend().setItemFont(LABEL);
            chart.getLegend().setFrame(BlockBorder.NONE);
        }
        if (chart.getPlot() instanceof XYPlot p) {
            axes(p.getDomainAxis(), p.getRangeAxis());
            if (!(p.getRenderer() instanceof XYBlockRenderer)) {
                p.setBackgroundPaint(Color.WHITE);
                p.setDomainGridlinePaint(new Color(220, 220, 220));
                p.setRangeGridlinePaint(new Color(220, 220, 220));
            }
        } else if (chart.getPlot() instanceof CategoryPlot p) {
            p.getDomainAxis().setLabelFont(LABEL);
            p.getDomainAxis().setTickLabelFont(TICK);
            axes(p.getRangeAxis());
            p.setBackgroundPaint(Color.WHITE);
            p.setRangeGridlinePaint(new Color(220, 220, 220));
        }
        return chart;
    }

    private static void axes(ValueAxis... axes) {
        for (ValueAxis a : axes) {
            a.setLabelFont(LABEL);
            a.setTickLabelFont(TICK);
        }
    }

    /** Linear interpolation through colour anchors; {@code translucent}: alpha grows with the value. */
    private static final class MapScale implements PaintScale {
        private final int[][] anchors;
        private final double lo;
        private final double hi;
        private final boolean translucent;

        MapScale(int[][] anchors, double lo, double hi, boolean translucent) {
            this.anchors = anchors;
            this.lo = lo;
            this.hi = hi > lo ? hi : lo + 1;
            this.translucent = translucent;
        }

        @Override
        public double getLowerBound() {
            return lo;
        }

        @Override
        public double getUpperBound() {
            return hi;
        }

        @Override
        public Paint getPaint(double value) {
            double t = Double.isNaN(value) ? 0 : Math.max(0, Math.min(1, (value - lo) / (hi - lo)));
            double p = t * (anchors.length - 1);
            int i = Math.min((int) p, anchors.length - 2);
            double f = p - i;
            int[] c = new int[3];
            for (int k = 0; k < 3; k++) {
                c[k] = (int) Math.round(anchors[i][k] * (1 - f) + anchors[i + 1][k] * f);
            }
            int alpha = translucent ? (int) Math.round(255 * (0.08 + 0.72 * Math.sqrt(t))) : 255;
            return new Color(c[0], c[1], c[2], alpha);
        }
    }
}
