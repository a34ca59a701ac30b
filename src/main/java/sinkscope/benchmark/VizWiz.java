package sinkscope.benchmark;

import java.io.IOException;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.PromptTemplate;
import sinkscope.data.VqaReader;
import sinkscope.eval.VqaAccuracy;

/** VizWiz: {@code val.json}, id and image the file name, category the answer type; LLaVA-1.5's unanswerable line before the short-answer suffix. */
final class VizWiz extends VqaLayout {

    VizWiz() {
        super("vizwiz", VqaAccuracy.Protocol.VIZWIZ, "image", "VizWiz val.json");
    }

    @Override
    BenchmarkRead<VqaReader.VqaQuestion> records(PublishedBenchmark.Input in) throws IOException {
        return VqaReader.vizwiz(in.files().get(0));
    }

    @Override
    String image(VqaReader.VqaQuestion q) {
        return q.image();
    }

    @Override
    public String suffix(String mode) {
        return checkMode(mode) ? PromptTemplate.VIZWIZ_SUFFIX : "";
    }
}
