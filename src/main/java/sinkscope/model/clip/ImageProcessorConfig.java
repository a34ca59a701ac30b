package sinkscope.model.clip;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import sinkscope.model.CheckpointException;
import sinkscope.model.RgbImage;

/**
 * A checkpoint's {@code preprocessor_config.json} as Hugging Face's {@code CLIPImageProcessor} reads it.
 *
 * <p>Absent fields take the {@code CLIPImageProcessor} defaults: {@code do_resize=true}, {@code size =
 * {shortest_edge: 224}}, {@code resample=3} (bicubic), {@code do_center_crop=true}, {@code crop_size =
 * {height: 224, width: 224}}, {@code do_rescale=true}, {@code rescale_factor=1/255}, {@code do_normalize=true},
 * OpenAI CLIP {@code image_mean}/{@code image_std}, {@code do_convert_rgb=true}. {@code size} is either
 * {@code {shortest_edge: n}} (or a bare int, which means the same) — resize so the short side is {@code n} — or
 * {@code {height, width}} — resize to exactly that. {@code crop_size} is {@code {height, width}} or a bare int
 * (a square). Only {@code resample = 3} (PIL BICUBIC) is supported. Other fields are ignored, as HF does. Every error
 * names the file and the field.
 *
 * @param shortestEdge target short side when resizing by shortest edge, else 0
 * @param resizeHeight exact resize height when {@code size} is {height, width}, else 0
 * @param resizeWidth exact resize width when {@code size} is {height, width}, else 0
 */
public record ImageProcessorConfig(
        boolean doResize,
        int shortestEdge,
        int resizeHeight,
        int resizeWidth,
        int resample,
        boolean doCenterCrop,
        int cropHeight,
        int cropWidth,
        boolean doRescale,
        double rescaleFactor,
        boolean doNormalize,
        double[] imageMean,
        double[] imageStd,
        boolean doConvertRgb) {

    /** PIL's {@code Image.BICUBIC}, the only resample filter implemented ({@link PillowResize}). */
    public static final int BICUBIC = 3;

    static final double[] OPENAI_CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    static final double[] OPENAI_CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    /** Reads {@code file} (a {@code preprocessor_config.json}). */
    public static ImageProcessorConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw CheckpointException.of(file, "cannot read: " + e.getMessage());
        }
        JsonObject o;
        try {
            o = JsonParser.parseString(text).getAsJsonObject();
        } catch (RuntimeException e) {
            throw CheckpointException.of(file, "not a JSON object: " + e.getMessage());
        }
        return parse(file, o);
    }

    /** The {@code CLIPImageProcessor} defaults. */
    public static ImageProcessorConfig defaults() {
        return parse(Path.of("<defaults>"), new JsonObject());
    }

    /**
     * {@code dir/preprocessor_config.json}, or without one the {@code CLIPImageProcessor} defaults at the tower's image
     * size {@code size}; its crop must be {@code size x size}, or an error names the file.
     */
    public static ImageProcessorConfig forTower(Path dir, int size) {
        Path pre = dir.resolve("preprocessor_config.json");
        ImageProcessorConfig ic;
        if (java.nio.file.Files.isRegularFile(pre)) {
            ic = load(pre);
        } else {
            JsonObject o = new JsonObject();
            JsonObject edge = new JsonObject();
            edge.addProperty("shortest_edge", size);
            o.add("size", edge);
            o.addProperty("crop_size", size);
            ic = parse(Path.of("<CLIPImageProcessor defaults>"), o);
        }
        if (ic.cropHeight() != size || ic.cropWidth() != size) {
            throw CheckpointException.of(pre, "crop_size " + ic.cropHeight() + "x" + ic.cropWidth() + " does not match vision_config.image_size " + size);
        }
        return ic;
    }

    /** Parses the JSON object {@code o} read from {@code file} (used in messages). */
    public static ImageProcessorConfig parse(Path file, JsonObject o) {
        int shortestEdge = 224;
        int resizeHeight = 0;
        int resizeWidth = 0;
        if (o.has("size")) {
            JsonElement s = o.get("size");
            if (isInt(s)) {
                shortestEdge = positive(file, "size", s);
            } else if (s.isJsonObject() && s.getAsJsonObject().keySet().equals(Set.of("shortest_edge"))) {
                shortestEdge = positive(file, "size.shortest_edge", s.getAsJsonObject().get("shortest_edge"));
            } else if (s.isJsonObject() && s.getAsJsonObject().keySet().equals(Set.of("height", "width"))) {
                shortestEdge = 0;
                resizeHeight = positive(file, "size.height", s.getAsJsonObject().get("height"));
                resizeWidth = positive(file, "size.width", s.getAsJsonObject().get("width"));
            } else {
                throw field(file, "size", "must be an int, {\"shortest_edge\": n} or {\"height\": h, \"width\": w}; got " + s);
            }
        }
        int cropHeight = 224;
        int cropWidth = 224;
        if (o.has("crop_size")) {
            JsonElement c = o.get("crop_size");
            if (isInt(c)) {
                cropHeight = positive(file, "crop_size", c);
                cropWidth = cropHeight;
            } else if (c.isJsonObject() && c.getAsJsonObject().keySet().equals(Set.of("height", "width"))) {
                cropHeight = positive(file, "crop_size.height", c.getAsJsonObject().get("height"));
                cropWidth = positive(file, "crop_size.width", c.getAsJsonObject().get("width"));
            } else {
                throw field(file, "crop_size", "must be an int or {\"height\": h, \"width\": w}; got " + c);
            }
        }
        int resample = o.has("resample") ? integer(file, "resample", o.get("resample")) : BICUBIC;
        if (resample != BICUBIC) {
            throw field(file, "resample", "value " + resample + " is not supported: only 3 (PIL BICUBIC) is implemented");
        }
        double rescaleFactor = o.has("rescale_factor") ? number(file, "rescale_factor", o.get("rescale_factor")) : 1.0 / 255.0;
        return new ImageProcessorConfig(
                bool(file, o, "do_resize"),
                shortestEdge,
                resizeHeight,
                resizeWidth,
                resample,
                bool(file, o, "do_center_crop"),
                cropHeight,
                cropWidth,
                bool(file, o, "do_rescale"),
                rescaleFactor,
                bool(file, o, "do_normalize"),
                channels(file, o, "image_mean", OPENAI_CLIP_MEAN, false),
                channels(file, o, "image_std", OPENAI_CLIP_STD, true),
                bool(file, o, "do_convert_rgb"));
    }

    /** A boolean field, {@code true} when absent (every CLIPImageProcessor switch defaults to on). */
    private static boolean bool(Path file, JsonObject o, String name) {
        if (!o.has(name)) {
            return true;
        }
        JsonElement v = o.get(name);
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
            throw field(file, name, "must be true or false; got " + v);
        }
        return v.getAsBoolean();
    }

    /** Per-channel mean or std: a list of 3 numbers, or one number for all channels (as HF's normalize does). */
    private static double[] channels(Path file, JsonObject o, String name, double[] dflt, boolean nonZero) {
        if (!o.has(name)) {
            return dflt.clone();
        }
        JsonElement v = o.get(name);
        double[] out = new double[3];
        if (v.isJsonArray()) {
            if (v.getAsJsonArray().size() != 3) {
                throw field(file, name, "needs 3 values (R, G, B); got " + v);
            }
            for (int c = 0; c < 3; c++) {
                out[c] = number(file, name + "[" + c + "]", v.getAsJsonArray().get(c));
            }
        } else {
            Arrays.fill(out, number(file, name, v));
        }
        for (int c = 0; c < 3; c++) {
            if (nonZero && out[c] == 0) {
                throw field(file, name, "must not be 0 (divides the pixel values)");
            }
        }
        return out;
    }

    private static boolean isInt(JsonElement v) {
        return v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber();
    }

    private static double number(Path file, String name, JsonElement v) {
        if (!isInt(v)) {
            throw field(file, name, "must be a number; got " + v);
        }
        double d = v.getAsDouble();
        if (!Double.isFinite(d)) {
            throw field(file, name, "must be finite; got " + v);
        }
        return d;
    }

    private static int integer(Path file, String name, JsonElement v) {
        double d = number(file, name, v);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw field(file, name, "must be an integer; got " + v);
        }
        return (int) d;
    }

    private static int positive(Path file, String name, JsonElement v) {
        if (v == null) {
            throw field(file, name, "missing");
        }
        int n = integer(file, name, v);
        if (n <= 0) {
            throw field(file, name, "must be positive; got " + n);
        }
        return n;
    }

    private static CheckpointException field(Path file, String name, String what) {
        return CheckpointException.of(file, "field '" + name + "': " + what);
    }

    /**
     * Rescale ({@code float32(u8 * rescale_factor)}) and normalize ({@code (x - float32(mean)) / float32(std)}) of
     * {@code img}, each step where configured, written CHW into {@code out} from {@code at}.
     */
    public void normalize(RgbImage img, float[] out, int at) {
        int hw = img.width() * img.height();
        byte[] src = img.hwc();
        for (int c = 0; c < 3; c++) {
            float mean = (float) imageMean()[c];
            float std = (float) imageStd()[c];
            for (int i = 0; i < hw; i++) {
                int u8 = src[i * 3 + c] & 0xff;
                float x = doRescale() ? (float) (u8 * rescaleFactor()) : u8;
                out[at + c * hw + i] = doNormalize() ? (x - mean) / std : x;
            }
        }
    }
}
