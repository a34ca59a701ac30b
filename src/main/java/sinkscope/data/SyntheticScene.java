package sinkscope.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One image of the synthetic benchmark: a textured background (noise, stripes, gradient or checker in muted,
 * low-saturation tones), neutral grey clutter (thin lines and dots, never an object), and 1-4 coloured objects,
 * each a distinct (colour, shape) class, not overlapping, with a side between 22% and 38% of the image.
 *
 * <p>Everything is a function of (seed, image index): {@link #sample} draws the layout from one random stream and
 * {@link #render} draws texture, clutter and colour jitter from another, so a scene can be rendered on any
 * thread, in any order, with identical pixels. Geometry uses {@link StrictMath} so it does not depend on the
 * platform.
 *
 * @param index the image index in the dataset
 * @param width the image width in pixels
 * @param height the image height in pixels (square by default; objects are sized by the shorter side)
 * @param background {@code noise}, {@code stripes}, {@code gradient} or {@code checker}
 * @param objects the objects, in drawing order
 */
public record SyntheticScene(int index, int width, int height, String background, List<SceneObject> objects) {

    /** The side of a square scene (the shorter side otherwise). */
    public int size() {
        return Math.min(width, height);
    }

    public static final List<String> SHAPES = List.of("circle", "square", "triangle", "star", "cross", "diamond");
    public static final List<String> COLORS = List.of("red", "green", "blue", "yellow", "purple", "orange");
    public static final List<String> BACKGROUNDS = List.of("noise", "stripes", "gradient", "checker");

    private static final int[][] RGB = {
        {215, 35, 35}, {40, 160, 60}, {35, 75, 215}, {235, 205, 30}, {135, 55, 175}, {245, 135, 25}};
    private static final long STREAM_LAYOUT = 1;
    private static final long STREAM_RENDER = 2;

    /**
     * One object: its class and where it is drawn. The shape fills the square {@code (x, y, side)} as described in
     * {@link #outline()}; {@code box} is the tight pixel box {@code [x0, y0, x1, y1]} of the drawn shape
     * (floor of the minimum, ceiling of the maximum), which is narrower than the square for some shapes.
     */
    public record SceneObject(String shape, String color, double x, double y, double side, int[] box) {

        public SceneObject {
            box = box.clone();
        }

        @Override
        public int[] box() {
            return box.clone();
        }

        /** The class name used in questions, e.g. {@code "red circle"}. */
        public String name() {
            return color + " " + shape;
        }

        /** The class index: {@code colorIndex * SHAPES.size() + shapeIndex}. */
        public int classIndex() {
            return COLORS.indexOf(color) * SHAPES.size() + SHAPES.indexOf(shape);
        }

        /** The filled outline of the shape inside its square. */
        public Shape outline() {
            return SyntheticScene.outline(shape, x, y, side);
        }
    }

    public SyntheticScene {
        objects = List.copyOf(objects);
    }

    /** The class index of a class name such as {@code "red circle"} ({@link #className}'s inverse). */
    public static int classIndex(String className) {
        String[] parts = className.split(" ");
        int color = parts.length == 2 ? COLORS.indexOf(parts[0]) : -1;
        int shape = parts.length == 2 ? SHAPES.indexOf(parts[1]) : -1;
        if (color < 0 || shape < 0) {
            throw new IllegalArgumentException("not a class of the synthetic benchmark: '" + className + "'");
        }
        return color * SHAPES.size() + shape;
    }

    /** Number of object classes: every (colour, shape) pair. */
    public static int classes() {
        return COLORS.size() * SHAPES.size();
    }

    /** The class name of a class index, e.g. {@code "red circle"}. */
    public static String className(int classIndex) {
        return COLORS.get(classIndex / SHAPES.size()) + " " + SHAPES.get(classIndex % SHAPES.size());
    }

    /**
     * Draws the layout of image {@code index}: background kind, 1-4 object classes drawn without replacement with
     * probability proportional to {@code classWeights}, sizes and non-overlapping positions (an object that does
     * not fit after 50 tries is left out; the first always fits).
     */
    public static SyntheticScene sample(long seed, int index, int size, double[] classWeights) {
        return sample(seed, index, size, size, classWeights);
    }

    /** {@link #sample(long, int, int, double[])} on a {@code width x height} canvas (the same scene as before when square). */
    public static SyntheticScene sample(long seed, int index, int width, int height, double[] classWeights) {
        int size = Math.min(width, height);
        SplittableRandom r = rng(seed, index, STREAM_LAYOUT);
        String background = BACKGROUNDS.get(r.nextInt(BACKGROUNDS.size()));
        int count = 1 + r.nextInt(4);
        double[] w = classWeights.clone();
        List<SceneObject> objects = new ArrayList<>();
        List<double[]> squares = new ArrayList<>();
        double margin = Math.max(1, size * 0.02);
        double gap = Math.max(2, size * 0.02);
        for (int k = 0; k < count; k++) {
            int cls = weightedPick(w, r);
            w[cls] = 0;
            double side = Math.max(12, size * (0.22 + 0.16 * r.nextDouble()));
            for (int attempt = 0; attempt < 50; attempt++) {
                double x = margin + r.nextDouble() * (width - side - 2 * margin);
                double y = margin + r.nextDouble() * (height - side - 2 * margin);
                if (fits(squares, x, y, side, gap)) {
                    squares.add(new double[] {x, y, side});
                    String shape = SHAPES.get(cls % SHAPES.size());
                    String color = COLORS.get(cls / SHAPES.size());
                    objects.add(new SceneObject(shape, color, x, y, side, pixelBox(outline(shape, x, y, side), width, height)));
                    break;
                }
            }
        }
        return new SyntheticScene(index, width, height, background, objects);
    }

    /** Renders the scene; {@code seed} must be the one it was sampled with. */
    public BufferedImage render(long seed) {
        SplittableRandom r = rng(seed, index, STREAM_RENDER);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
        paintBackground(px, r);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            paintClutter(g, r);
            for (SceneObject o : objects) {
                int[] c = RGB[COLORS.indexOf(o.color())];
                g.setColor(new Color(jitter(c[0], r), jitter(c[1], r), jitter(c[2], r)));
                g.fill(o.outline());
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private void paintBackground(int[] px, SplittableRandom r) {
        int a = mutedTone(r);
        int b = mutedTone(r);
        switch (background) {
            case "noise" -> {
                for (int i = 0; i < px.length; i++) {
                    int d = r.nextInt(41) - 20;
                    px[i] = rgb(((a >> 16) & 255) + d, ((a >> 8) & 255) + d, (a & 255) + d);
                }
            }
            case "stripes" -> {
                int period = 8 + r.nextInt(17);
                int orientation = r.nextInt(3);
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int t = orientation == 0 ? y : orientation == 1 ? x : x + y;
                        px[y * width + x] = (t / period) % 2 == 0 ? a : b;
                    }
                }
            }
            case "gradient" -> {
                int orientation = r.nextInt(3);
                double span = orientation == 2 ? (width - 1) + (double) (height - 1) : orientation == 0 ? height - 1 : width - 1;
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int t = orientation == 0 ? y : orientation == 1 ? x : x + y;
                        px[y * width + x] = lerp(a, b, span == 0 ? 0 : t / span);
                    }
                }
            }
            case "checker" -> {
                int cell = 8 + r.nextInt(21);
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        px[y * width + x] = (x / cell + y / cell) % 2 == 0 ? a : b;
                    }
                }
            }
            default -> throw new IllegalStateException("unknown background " + background);
        }
    }

    /** 3-8 thin grey lines and dots under the objects. */
    private void paintClutter(Graphics2D g, SplittableRandom r) {
        int items = 3 + r.nextInt(6);
        for (int i = 0; i < items; i++) {
            int grey = 60 + r.nextInt(141);
            g.setColor(new Color(grey, grey, grey));
            if (r.nextBoolean()) {
                g.setStroke(new BasicStroke(1 + r.nextInt(2)));
                g.draw(new Line2D.Double(r.nextDouble() * width, r.nextDouble() * height,
                        r.nextDouble() * width, r.nextDouble() * height));
            } else {
                double d = 2 + r.nextInt(5);
                g.fill(new Ellipse2D.Double(r.nextDouble() * (width - d), r.nextDouble() * (height - d), d, d));
            }
        }
    }

    static Shape outline(String shape, double x, double y, double s) {
        double cx = x + s / 2;
        double cy = y + s / 2;
        return switch (shape) {
            case "circle" -> new Ellipse2D.Double(x, y, s, s);
            case "square" -> new Rectangle2D.Double(x + 0.1 * s, y + 0.1 * s, 0.8 * s, 0.8 * s);
            case "triangle" -> polygon(new double[] {cx, y, x + s, y + s, x, y + s});
            case "diamond" -> polygon(new double[] {cx, y, x + s, cy, cx, y + s, x, cy});
            case "cross" -> {
                double t = s / 3;
                yield polygon(new double[] {x + t, y, x + 2 * t, y, x + 2 * t, y + t, x + s, y + t, x + s, y + 2 * t,
                    x + 2 * t, y + 2 * t, x + 2 * t, y + s, x + t, y + s, x + t, y + 2 * t, x, y + 2 * t, x, y + t,
                    x + t, y + t});
            }
            case "star" -> regular(cx, cy, s / 2, s / 2 * 0.45, 5, -90);
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        };
    }

    /** Alternates outer and inner radius over {@code 2 * points} vertices, starting at {@code startDegrees}. */
    private static Shape regular(double cx, double cy, double outer, double inner, int points, double startDegrees) {
        double[] xy = new double[4 * points];
        for (int i = 0; i < 2 * points; i++) {
            double rad = i % 2 == 0 ? outer : inner;
            double angle = StrictMath.toRadians(startDegrees + 180.0 * i / points);
            xy[2 * i] = cx + rad * StrictMath.cos(angle);
            xy[2 * i + 1] = cy + rad * StrictMath.sin(angle);
        }
        return polygon(xy);
    }

    private static Shape polygon(double[] xy) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xy[0], xy[1]);
        for (int i = 2; i < xy.length; i += 2) {
            p.lineTo(xy[i], xy[i + 1]);
        }
        p.closePath();
        return p;
    }

    private static int[] pixelBox(Shape s, int width, int height) {
        Rectangle2D b = s.getBounds2D();
        return new int[] {
            clamp((int) Math.floor(b.getMinX()), width), clamp((int) Math.floor(b.getMinY()), height),
            clamp((int) Math.ceil(b.getMaxX()), width), clamp((int) Math.ceil(b.getMaxY()), height)};
    }

    private static int clamp(int v, int size) {
        return Math.max(0, Math.min(size, v));
    }

    private static boolean fits(List<double[]> squares, double x, double y, double side, double gap) {
        for (double[] q : squares) {
            boolean apart = x + side + gap <= q[0] || q[0] + q[2] + gap <= x
                    || y + side + gap <= q[1] || q[1] + q[2] + gap <= y;
            if (!apart) {
                return false;
            }
        }
        return true;
    }

    static int weightedPick(double[] w, SplittableRandom r) {
        double total = 0;
        for (double v : w) {
            total += v;
        }
        double u = r.nextDouble() * total;
        int last = -1;
        for (int i = 0; i < w.length; i++) {
            if (w[i] > 0) {
                last = i;
                u -= w[i];
                if (u < 0) {
                    return i;
                }
            }
        }
        return last;
    }

    /** A light, low-saturation tone, far from the object colours. */
    private static int mutedTone(SplittableRandom r) {
        return Color.HSBtoRGB((float) r.nextDouble(), (float) (0.04 + 0.08 * r.nextDouble()),
                (float) (0.62 + 0.32 * r.nextDouble())) & 0xFFFFFF;
    }

    private static int jitter(int c, SplittableRandom r) {
        return Math.max(0, Math.min(255, c + r.nextInt(25) - 12));
    }

    private static int lerp(int a, int b, double t) {
        int r = (int) Math.round(((a >> 16) & 255) * (1 - t) + ((b >> 16) & 255) * t);
        int g = (int) Math.round(((a >> 8) & 255) * (1 - t) + ((b >> 8) & 255) * t);
        int bl = (int) Math.round((a & 255) * (1 - t) + (b & 255) * t);
        return rgb(r, g, bl);
    }

    private static int rgb(int r, int g, int b) {
        return (Math.max(0, Math.min(255, r)) << 16) | (Math.max(0, Math.min(255, g)) << 8) | Math.max(0, Math.min(255, b));
    }

    /** An independent random stream for (seed, index, stream), via the murmur3 64-bit finaliser. */
    static SplittableRandom rng(long seed, long index, long stream) {
        return new SplittableRandom(mix(mix(mix(seed) + index) + stream));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
