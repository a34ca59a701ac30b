package sinkscope.benchmark;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.ReadError;
import sinkscope.data.VqaReader;
import sinkscope.eval.Chair;
import sinkscope.eval.TaskScore;
import sinkscope.eval.VqaAccuracy;

/**
 * An open-answer benchmark with ten human answers per question, read by {@link VqaReader} and scored by VQA accuracy under
 * its protocol ({@link VqaAccuracy.Protocol}): answers the reference answers, category the answer type; metric
 * {@code vqa_accuracy} overall and per answer type. A subclass says which reader, which protocol and the image file name.
 */
abstract class VqaLayout extends Benchmark {
    private final VqaAccuracy.Protocol protocol;
    private final String imageField;

    VqaLayout(String name, VqaAccuracy.Protocol protocol, String imageField, String layout) {
        super(name, TaskScore.OPEN, layout);
        this.protocol = protocol;
        this.imageField = imageField;
    }

    abstract BenchmarkRead<VqaReader.VqaQuestion> records(PublishedBenchmark.Input in) throws IOException;

    /** The image file of a question, relative to the image folder. */
    abstract String image(VqaReader.VqaQuestion q);

    /** The images' OCR tokens, when the layout has them; null otherwise. */
    Map<String, List<String>> ocr(PublishedBenchmark.Input in, PublishedBenchmark.Result out) throws IOException {
        return null;
    }

    /** The question text as asked. */
    String text(VqaReader.VqaQuestion q, Map<String, List<String>> ocr) {
        return q.question();
    }

    @Override
    public void read(PublishedBenchmark.Input in, Reading how, PublishedBenchmark.Result out) throws IOException {
        BenchmarkRead<VqaReader.VqaQuestion> read = records(in);
        out.errors().addAll(read.errors());
        Map<String, List<String>> ocr = ocr(in, out);
        for (VqaReader.VqaQuestion q : read.items()) {
            if (q.question() == null && !how.score()) {
                out.errors().add(new ReadError(in.files().get(0).toString(), q.line(), "question_id", "question " + q.questionId()
                        + " is not in " + in.files().get(1)));
                continue;
            }
            out.add(in.files().get(0), q.line(), imageField, image(q), question(q.questionId(), q.image(), q.question() == null ? "?" : text(q, ocr),
                    null, q.answerType(), q.line(), List.of(), q.answers(), null));
        }
    }

    @Override
    public TaskScore.Parsed parse(TaskScore.Reference r, String answer, Chair chair) {
        return TaskScore.open(protocol, answer == null ? "" : answer, r);
    }
}
