package sinkscope.benchmark;

import java.io.IOException;
import java.util.List;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.ChoiceReaders;

/**
 * CV-Bench: {@code test.jsonl}, question with its options, category the source (ADE20K, COCO, Omni3D, as the 2D/3D means
 * need); images relative to the file's folder unless {@code @DIR}; no suffix (LLaVA-1.5 has no script for it; the file's
 * prompts are used as they are). Metrics accuracy, accuracy_2d, accuracy_3d and {@code overall} (their mean, CV-Bench's).
 */
final class CvBench extends ChoiceLayout {

    CvBench() {
        super("cvbench", "image", "CV-Bench test.jsonl", true);
    }

    @Override
    BenchmarkRead<ChoiceReaders.ChoiceQuestion> records(PublishedBenchmark.Input in, Reading how) throws IOException {
        return ChoiceReaders.cvBench(in.files().get(0));
    }

    @Override
    String category(ChoiceReaders.ChoiceQuestion q) {
        return q.split();
    }

    @Override
    public List<BenchmarkScores.Metric> metrics(BenchmarkScores s) {
        List<BenchmarkScores.Metric> out = s.taskMetrics();
        out.addAll(1, s.cvBench());
        return out;
    }
}
