package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.ChoiceReaders;
import sinkscope.data.ReadError;
import sinkscope.eval.Chair;
import sinkscope.eval.ChoiceAnswer;
import sinkscope.eval.TaskScore;

/**
 * SEED-Bench: {@code SEED-Bench.json}, question with its four options, category the question type; the image
 * {@code DIR/<data_id>} (or {@code <data_id>.jpg}); video questions are error rows for {@code evaluate} ({@code score}
 * keeps them). Parsing: only the bare letter counts (LLaVA's {@code convert_seed_for_submission.py}).
 */
final class Seed extends ChoiceLayout {

    Seed() {
        super("seed", "data_id", "SEED-Bench.json", false);
    }

    @Override
    BenchmarkRead<ChoiceReaders.ChoiceQuestion> records(PublishedBenchmark.Input in, Reading how) throws IOException {
        return ChoiceReaders.seed(in.files().get(0));
    }

    @Override
    String image(ChoiceReaders.ChoiceQuestion q, Path file, Reading how, PublishedBenchmark.Result out) {
        if (how.score()) {
            return q.image();
        }
        if (q.split() != null && !q.split().equalsIgnoreCase("image")) {
            out.errors().add(new ReadError(file.toString(), q.line(), "data_type", "'" + q.split() + "': only image questions are run"));
            return null;
        }
        return Files.isRegularFile(out.input().imageRoot().resolve(q.image())) ? q.image() : q.image() + ".jpg";
    }

    @Override
    public TaskScore.Parsed parse(TaskScore.Reference r, String answer, Chair chair) {
        return TaskScore.choice(ChoiceAnswer.seed(answer == null ? "" : answer, r.options().size()), r.label());
    }
}
