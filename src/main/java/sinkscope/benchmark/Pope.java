package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import sinkscope.data.InputError;
import sinkscope.data.PopeLabels;
import sinkscope.data.Question;
import sinkscope.data.QuestionReader;
import sinkscope.data.ReadError;
import sinkscope.eval.TaskScore;

/**
 * POPE (yes/no object hallucination): the question JSONL as it is ({@code llava_pope_test.jsonl}, label and category per
 * line); images {@code @DIR}. With POPE's label folder as second file ({@code coco_pope_<category>.json}, as
 * {@code eval_pope.py --annotation-dir} reads it) the labels come from there: the {@code i}-th label of
 * {@code coco_pope_c.json} is the {@code i}-th question of category {@code c} in the question file, which is how
 * {@code eval_pope.py} pairs labels with LLaVA's answers (written in question order). Parsing {@code eval_pope.py}'s
 * (first sentence, commas dropped, a no-word gives no, else yes); metrics accuracy, precision, recall, f1, yes_ratio
 * overall and per category.
 */
final class Pope extends Benchmark {
    private static final String PREFIX = "coco_pope_";

    Pope() {
        super("pope", TaskScore.YES_NO, "the question JSONL (llava_pope_test.jsonl)[,POPE's label folder of coco_pope_<category>.json]");
    }

    @Override
    public int maxFiles() {
        return 2;
    }

    @Override
    public void read(PublishedBenchmark.Input in, Reading how, PublishedBenchmark.Result out) throws IOException {
        Path f0 = in.files().get(0);
        QuestionReader.Result q = QuestionReader.read(f0);
        for (InputError e : q.errors()) {
            out.errors().add(new ReadError(f0.toString(), e.line(), null, e.reason()));
        }
        Map<String, List<String>> labels = in.files().size() > 1 ? labels(in.files().get(1), out) : null;
        Map<String, Integer> next = new LinkedHashMap<>();
        for (Question x : q.questions()) {
            String label = x.label();
            if (labels != null) {
                List<String> l = labels.get(x.category());
                int i = next.merge(String.valueOf(x.category()), 1, Integer::sum) - 1;
                if (l == null || i >= l.size()) {
                    out.errors().add(new ReadError(f0.toString(), x.line(), "category", "no label for the " + (i + 1) + "th question of category "
                            + x.category() + " in " + in.files().get(1)));
                    continue;
                }
                label = l.get(i);
            }
            out.add(f0, x.line(), "image", x.image(), question(x.questionId(), x.image(), x.text(), label, x.category(), x.line(), List.of(),
                    List.of(), x.group()));
        }
    }

    /** Category -> labels in file order, from a folder of {@code coco_pope_<category>.json} files (or one such file). */
    private static Map<String, List<String>> labels(Path dir, PublishedBenchmark.Result out) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().forEach(files::add);
            }
        } else {
            files.add(dir);
        }
        Map<String, List<String>> out2 = new LinkedHashMap<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (!name.startsWith(PREFIX)) {
                throw new IllegalArgumentException("pope: " + f + " is not a POPE label file (coco_pope_<category>.json)");
            }
            PopeLabels l = PopeLabels.read(f);
            for (InputError e : l.errors()) {
                out.errors().add(new ReadError(f.toString(), e.line(), "label", e.reason()));
            }
            out2.put(name.substring(PREFIX.length(), name.length() - ".json".length()), new ArrayList<>(l.labels().values()));
        }
        return out2;
    }
}
