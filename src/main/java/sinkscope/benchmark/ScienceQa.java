package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.ChoiceReaders;
import sinkscope.data.ReadError;
import sinkscope.eval.Chair;
import sinkscope.eval.ChoiceAnswer;
import sinkscope.eval.TaskScore;

/**
 * ScienceQA: LLaVA's {@code llava_test_CQM-A.json}, the human turn without {@code <image>} (it lists the options); a
 * question without an image is an error row for {@code evaluate} (only ScienceQA-IMG is run); images {@code @DIR}.
 * {@code score} also reads ScienceQA's own base folder ({@code problems.json} + {@code pid_splits.json}, the split's
 * problems, as {@code eval_science_qa.py --base-dir --split} reads them). Parsing {@code eval_science_qa.py}'s
 * ({@link ChoiceAnswer#scienceQa}); a problem without a prediction is scored as that script scores it, {@code FAILED}
 * (wrong); metrics accuracy over all problems and {@code img_accuracy} over those with an image.
 */
final class ScienceQa extends ChoiceLayout {

    ScienceQa() {
        super("scienceqa", "image", "LLaVA's llava_test_CQM-A.json (score also: ScienceQA's folder of problems.json and pid_splits.json)", false);
    }

    @Override
    BenchmarkRead<ChoiceReaders.ChoiceQuestion> records(PublishedBenchmark.Input in, Reading how) throws IOException {
        Path f = in.files().get(0);
        if (Files.isDirectory(f)) {
            if (!how.score()) {
                throw new IllegalArgumentException("scienceqa: evaluate reads LLaVA's llava_test_CQM-A.json, not the folder " + f);
            }
            return ChoiceReaders.scienceQaProblems(f, how.split());
        }
        return ChoiceReaders.scienceQa(f);
    }

    @Override
    String image(ChoiceReaders.ChoiceQuestion q, Path file, Reading how, PublishedBenchmark.Result out) {
        if (q.image() == null && !how.score()) {
            out.errors().add(new ReadError(file.toString(), q.line(), "image", "no image: a text-only question (only ScienceQA-IMG is run)"));
        }
        return q.image();
    }

    @Override
    String text(ChoiceReaders.ChoiceQuestion q) {
        return q.question().replace("<image>", "").strip();
    }

    @Override
    public TaskScore.Parsed parse(TaskScore.Reference r, String answer, Chair chair) {
        return TaskScore.choice(ChoiceAnswer.scienceQa(answer == null ? "" : answer, r.options().size()), r.label());
    }

    @Override
    public String unanswered() {
        return "FAILED";
    }

    @Override
    public List<BenchmarkScores.Metric> metrics(BenchmarkScores s) {
        List<BenchmarkScores.Metric> out = s.taskMetrics();
        out.add(1, s.imageAccuracy());
        return out;
    }
}
