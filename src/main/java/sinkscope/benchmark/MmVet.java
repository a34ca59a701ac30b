package sinkscope.benchmark;

import java.io.IOException;
import java.nio.file.Path;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.JudgeReaders;
import sinkscope.data.PromptTemplate;

/** MM-Vet: {@code mm-vet.json}, id the key ({@code v1_0}); judge-scored; in mode {@code qwen2_vl} lmms-eval's reasoning pre-prompt. */
final class MmVet extends JudgeLayout {

    MmVet() {
        super("mmvet", "imagename", "MM-Vet's mm-vet.json");
    }

    @Override
    BenchmarkRead<JudgeReaders.JudgeQuestion> records(Path file) throws IOException {
        return JudgeReaders.mmVet(file);
    }

    @Override
    public String prefix(String mode) {
        return "qwen2_vl".equals(mode) ? PromptTemplate.MMVET_REASONING_PREFIX : "";
    }
}
