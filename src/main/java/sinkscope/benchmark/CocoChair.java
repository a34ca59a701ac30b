package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.CocoReader;
import sinkscope.data.PredictionReader.Prediction;
import sinkscope.eval.Chair;
import sinkscope.eval.TaskScore;

/**
 * CHAIR on COCO ({@code chair}): {@code captions.json,instances.json} and the synonym lines: one caption question
 * ({@link #CAPTION_PROMPT}) per image of the captions file ({@code score}: per image with ground truth), id the COCO image
 * id, answers its ground-truth objects as {@code chair.py} computes them ({@link #groundTruth}), image
 * {@code COCO_val2014_<12-digit id>.jpg}. Metrics chair_s, chair_i, recall (fractions; lower CHAIR is better) and
 * mean_length (words). {@code score} finds a caption's image by the last number of its id or file name.
 */
final class CocoChair extends Benchmark {
    /** The caption prompt (LLaVA's detailed-description prompt; LLaVA-1.5 has no CHAIR script). */
    static final String CAPTION_PROMPT = "Please describe this image in detail.";
    private static final Pattern DIGITS = Pattern.compile("(\\d+)(?!.*\\d)");

    CocoChair() {
        super("chair", TaskScore.CAPTION, "captions_val2014.json,instances_val2014.json");
    }

    @Override
    public int maxFiles() {
        return 2;
    }

    @Override
    public int minFiles(boolean annotations) {
        return 2;
    }

    @Override
    public void read(PublishedBenchmark.Input in, Reading how, PublishedBenchmark.Result out) throws IOException {
        if (how.synonyms() == null) {
            throw new IllegalArgumentException("chair needs --synonyms synonyms.txt (CHAIR's published synonym list)");
        }
        Path f0 = in.files().get(0);
        BenchmarkRead<CocoReader.CocoCaption> captions = CocoReader.captions(f0);
        BenchmarkRead<CocoReader.CocoInstance> instances = CocoReader.instances(in.files().get(1));
        out.errors().addAll(captions.errors());
        out.errors().addAll(instances.errors());
        Chair chair = new Chair(how.synonyms());
        groundTruth(chair, captions.items(), instances.items());
        Map<String, Integer> firstLine = new LinkedHashMap<>();
        for (CocoReader.CocoCaption c : captions.items()) {
            firstLine.putIfAbsent(c.imageId(), c.line());
        }
        if (how.score()) {
            instances.items().forEach(i -> firstLine.putIfAbsent(i.imageId(), i.line()));
        }
        for (Map.Entry<String, Integer> e : firstLine.entrySet()) {
            List<String> truth = new ArrayList<>(new TreeSet<>(chair.groundTruth(e.getKey())));
            out.add(f0, e.getValue(), "image_id", cocoFile(e.getKey()), question(e.getKey(), null, CAPTION_PROMPT, null, null, e.getValue(),
                    List.of(), truth, null));
        }
    }

    /**
     * The ground truth chair.py gives each image: the objects of its instance annotations (category names through the
     * synonym list; a name that is no synonym is dropped) and the objects its ground-truth captions mention.
     */
    static void groundTruth(Chair chair, List<CocoReader.CocoCaption> captions, List<CocoReader.CocoInstance> instances) {
        Map<String, List<String>> objs = new HashMap<>();
        for (CocoReader.CocoInstance i : instances) {
            String o = chair.objectOf(i.category());
            if (o != null) {
                objs.computeIfAbsent(i.imageId(), k -> new ArrayList<>()).add(o);
            }
        }
        objs.forEach(chair::addGroundTruthObjects);
        for (CocoReader.CocoCaption c : captions) {
            chair.addGroundTruthCaption(c.imageId(), c.caption());
        }
    }

    /** A COCO image id from an id or a file name ({@code COCO_val2014_000000391895.jpg} is {@code 391895}). */
    @Override
    public List<String> keys(Prediction p) {
        Matcher m = DIGITS.matcher(p.questionId());
        return m.find() ? List.of(m.group(1).replaceFirst("^0+(?=\\d)", "")) : List.of();
    }
}
