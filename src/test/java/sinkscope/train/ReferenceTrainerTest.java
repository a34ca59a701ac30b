package sinkscope.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.model.Llava;
import sinkscope.model.LlavaConfig;
import sinkscope.model.LlavaProcessor;
import sinkscope.model.Torch;

/** The training loop on a tiny model: the loss of a few steps falls. */
class ReferenceTrainerTest {

    @Test
    void lossFalls(@TempDir Path dir) throws Exception {
        Torch.configure(0);
        Recipe r = Recipe.tiny();
        ReferenceCheckpoint.writeConfigs(dir, r, WordLevelTokenizer.synthetic());
        LlavaConfig config = LlavaConfig.load(dir.resolve("config.json"));
        List<String> log = new ArrayList<>();
        try (LlavaProcessor p = LlavaProcessor.load(dir, config)) {
            ReferenceTrainer t = new ReferenceTrainer(r, config, p.tokenizer(), p.images());
            try (Llava model = t.train(4, 0, log::add).model()) {
                log.forEach(System.out::println);
            }
        }
    }
}
