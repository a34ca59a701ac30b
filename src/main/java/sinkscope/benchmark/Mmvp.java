package sinkscope.benchmark;

import java.io.IOException;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.ChoiceReaders;

/**
 * MMVP: {@code Questions.csv}, question with its options, group the pair; images in {@code MMVP Images/} beside the csv; no
 * suffix (the file's prompts as they are). Metrics accuracy and {@code pair_accuracy} (both questions of a pair right).
 */
final class Mmvp extends ChoiceLayout {

    Mmvp() {
        super("mmvp", "Index", "MMVP Questions.csv", true);
    }

    @Override
    BenchmarkRead<ChoiceReaders.ChoiceQuestion> records(PublishedBenchmark.Input in, Reading how) throws IOException {
        return ChoiceReaders.mmvp(in.files().get(0));
    }

    @Override
    public String groupMetric() {
        return "pair_accuracy";
    }
}
