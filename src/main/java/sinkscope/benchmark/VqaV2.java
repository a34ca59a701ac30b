package sinkscope.benchmark;

import java.io.IOException;
import java.util.List;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.VqaReader;
import sinkscope.eval.VqaAccuracy;

/**
 * VQAv2: {@code annotations.json,questions.json} (the question texts come from the questions file; {@code score} needs only
 * the annotations), image {@code COCO_val2014_<12-digit id>.jpg}. Scored as {@code vqaEval.py} scores a results file;
 * {@code vqa_accuracy_llava_submission} scores what LLaVA's {@code convert_vqav2_for_submission.py} uploads (the
 * EvalAI-processed answer).
 */
final class VqaV2 extends VqaLayout {

    VqaV2() {
        super("vqav2", VqaAccuracy.Protocol.VQAV2, "image_id", "v2_mscoco_val2014_annotations.json,v2_OpenEnded_mscoco_val2014_questions.json");
    }

    @Override
    public int maxFiles() {
        return 2;
    }

    @Override
    public int minFiles(boolean annotations) {
        return annotations ? 1 : 2;
    }

    @Override
    BenchmarkRead<VqaReader.VqaQuestion> records(PublishedBenchmark.Input in) throws IOException {
        return VqaReader.vqav2(in.files().get(0), in.files().size() > 1 ? in.files().get(1) : null);
    }

    @Override
    String image(VqaReader.VqaQuestion q) {
        return cocoFile(q.image());
    }

    @Override
    public List<BenchmarkScores.Metric> metrics(BenchmarkScores s) {
        List<BenchmarkScores.Metric> out = s.taskMetrics();
        out.add(1, s.llavaSubmission());
        return out;
    }
}
