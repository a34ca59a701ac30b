package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.JudgeReaders;
import sinkscope.eval.TaskScore;

/**
 * A judge-scored benchmark (a GPT judge scores the answers, outside SinkScope): the question as it is, category the
 * capabilities, answers the judge's reference; images in {@code images/} beside the file unless {@code @DIR}; no suffix
 * ({@code model_vqa.py} asks the questions as they are). {@code evaluate} writes the answers as the judge reads them.
 */
abstract class JudgeLayout extends Benchmark {
    private final String imageField;

    JudgeLayout(String name, String imageField, String layout) {
        super(name, TaskScore.JUDGE, layout);
        this.imageField = imageField;
    }

    abstract BenchmarkRead<JudgeReaders.JudgeQuestion> records(Path file) throws IOException;

    @Override
    public Path layoutImages(Path first) {
        return first.toAbsolutePath().getParent().resolve("images");
    }

    @Override
    public void read(PublishedBenchmark.Input in, Reading how, PublishedBenchmark.Result out) throws IOException {
        Path f0 = in.files().get(0);
        BenchmarkRead<JudgeReaders.JudgeQuestion> read = records(f0);
        out.errors().addAll(read.errors());
        for (JudgeReaders.JudgeQuestion q : read.items()) {
            out.add(f0, q.line(), imageField, q.image(), question(q.id(), null, q.question(), null, q.category(), q.line(), List.of(),
                    q.reference() == null ? List.of() : List.of(q.reference()), null));
        }
    }
}
