package sinkscope.data;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The COCO annotation files CHAIR needs: captions ({@code captions_val2014.json}: {@code {"annotations":
 * [{"image_id", "caption"}]}}) and instances ({@code instances_val2014.json}: {@code {"categories": [{"id",
 * "name"}], "annotations": [{"image_id", "category_id"}]}}; every other field is skipped while streaming). An
 * annotation without its field, or with a category id the file does not define, is an error naming the field.
 */
public final class CocoReader {

    /** A ground-truth caption. */
    public record CocoCaption(String imageId, String caption, int line) {}

    /** An instance: the image and its category's name. */
    public record CocoInstance(String imageId, String category, int line) {}

    private CocoReader() {}

    public static BenchmarkRead<CocoCaption> captions(Path file) throws IOException {
        BenchmarkRead<CocoCaption> out = new BenchmarkRead<>();
        String f = file.toString();
        VqaReader.end(out, JsonItems.array(file, "annotations", (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "annotation");
                out.items().add(new CocoCaption(Fields.id(o, "image_id"), Fields.string(o, "caption"), line));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
            }
        }));
        return out;
    }

    public static BenchmarkRead<CocoInstance> instances(Path file) throws IOException {
        BenchmarkRead<CocoInstance> out = new BenchmarkRead<>();
        String f = file.toString();
        Map<String, String> names = new HashMap<>();
        VqaReader.end(out, JsonItems.array(file, "categories", (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "category");
                names.put(Fields.id(o, "id"), Fields.string(o, "name"));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
            }
        }));
        VqaReader.end(out, JsonItems.array(file, "annotations", (line, key, v) -> {
            try {
                JsonObject o = Fields.object(v, "annotation");
                String image = Fields.id(o, "image_id");
                String cat = Fields.id(o, "category_id");
                String name = names.get(cat);
                if (name == null) {
                    throw new Fields.Bad("category_id", "category " + cat + " is not among the file's categories");
                }
                out.items().add(new CocoInstance(image, name, line));
            } catch (Fields.Bad e) {
                out.errors().add(Fields.error(f, line, e));
            }
        }));
        return out;
    }
}
