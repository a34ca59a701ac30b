package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.ChoiceReaders;
import sinkscope.eval.TaskScore;

/**
 * A multiple-choice benchmark read by {@link ChoiceReaders}: each record becomes a question with its options, the answer's
 * letter as label, its group and category; a subclass says which reader, which image (or none: an error row) and which
 * category ({@link #image}, {@link #category}), and which field names the image in errors.
 */
abstract class ChoiceLayout extends Benchmark {
    private final String imageField;
    private final boolean ownPrompts;

    /**
     * {@code ownPrompts}: a benchmark LLaVA-1.5 has no script for (CV-Bench, MMVP): its file's prompts are asked as they are (no
     * suffix) and its images lie beside the file unless a folder is given.
     */
    ChoiceLayout(String name, String imageField, String layout, boolean ownPrompts) {
        super(name, TaskScore.CHOICE, layout);
        this.imageField = imageField;
        this.ownPrompts = ownPrompts;
    }

    @Override
    public Path layoutImages(Path first) {
        return ownPrompts ? first.toAbsolutePath().getParent() : null;
    }

    @Override
    public String suffix(String mode) {
        return ownPrompts && checkMode(mode) ? "" : super.suffix(mode);
    }

    /** The layout's records. */
    abstract BenchmarkRead<ChoiceReaders.ChoiceQuestion> records(PublishedBenchmark.Input in, Reading how) throws IOException;

    /** The question's image relative to the image folder, or null after adding an error row (a question {@code evaluate} does not ask). */
    String image(ChoiceReaders.ChoiceQuestion q, Path file, Reading how, PublishedBenchmark.Result out) {
        return q.image();
    }

    /** The question's category. */
    String category(ChoiceReaders.ChoiceQuestion q) {
        return q.category();
    }

    /** The question text before options and suffix. */
    String text(ChoiceReaders.ChoiceQuestion q) {
        return q.question();
    }

    @Override
    public final void read(PublishedBenchmark.Input in, Reading how, PublishedBenchmark.Result out) throws IOException {
        Path f0 = in.files().get(0);
        BenchmarkRead<ChoiceReaders.ChoiceQuestion> read = records(in, how);
        out.errors().addAll(read.errors());
        for (ChoiceReaders.ChoiceQuestion q : read.items()) {
            String image = image(q, f0, how, out);
            if (image == null && !how.score()) {
                continue;
            }
            out.add(f0, q.line(), imageField, image, question(q.id(), image, text(q), letter(q.answer()), category(q), q.line(), q.options(),
                    List.of(), q.group()));
        }
    }
}
