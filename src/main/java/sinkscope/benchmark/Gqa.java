package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.GqaReader;
import sinkscope.eval.GqaAnswer;
import sinkscope.eval.TaskScore;

/**
 * GQA: {@code testdev_balanced_questions.json}, label the answer, category the structural type, image {@code <imageId>.jpg}.
 * Parsing LLaVA's {@code convert_gqa_for_eval.py} ({@code rstrip('.').lower()}), scored as GQA's {@code eval.py} scores
 * accuracy (its balanced questions only): exact match ({@link GqaAnswer}), overall, {@code binary} and {@code open} (structural
 * type {@code query}) and per structural type; {@code accuracy_vqa_normalized} also applies the VQA normalization.
 */
final class Gqa extends Benchmark {

    Gqa() {
        super("gqa", TaskScore.OPEN, "testdev_balanced_questions.json");
    }

    @Override
    public void read(PublishedBenchmark.Input in, Reading how, PublishedBenchmark.Result out) throws IOException {
        Path f0 = in.files().get(0);
        BenchmarkRead<GqaReader.GqaQuestion> read = GqaReader.read(f0);
        out.errors().addAll(read.errors());
        for (GqaReader.GqaQuestion q : read.items()) {
            out.add(f0, q.line(), "imageId", q.image() + ".jpg", question(q.questionId(), q.image(), q.question(), q.answer(), q.category(),
                    q.line(), List.of(), List.of(), null));
        }
    }

    @Override
    public List<BenchmarkScores.Metric> metrics(BenchmarkScores s) {
        List<BenchmarkScores.Metric> out = s.taskMetrics();
        out.add(1, s.accuracyOf("binary", c -> !"query".equals(c)));
        out.add(2, s.accuracyOf("open", c -> "query".equals(c)));
        out.add(3, s.gqaNormalized());
        return out;
    }
}
