package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Path;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.JudgeReaders;

/** LLaVA-Bench in the wild: its {@code questions.jsonl}; judge-scored. */
final class LlavaBench extends JudgeLayout {

    LlavaBench() {
        super("llavabench", "image", "LLaVA-Bench in the wild's questions.jsonl");
    }

    @Override
    BenchmarkRead<JudgeReaders.JudgeQuestion> records(Path file) throws IOException {
        return JudgeReaders.llavaBench(file);
    }
}
