package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import sinkscope.Golden;

/**
 * The configurations of one sample share its vision features: predictions with sharing equal those of a runner that
 * runs the vision tower for every configuration (answers, grounding and attention rows bit for bit), on both
 * families, and samples that follow each other do not see each other's image.
 */
class VisionSharingTest {

    private static List<Prediction> run(Path model, List<Integer> dims, double tau, String shareVision) throws Exception {
        String before = System.getProperty("sinkscope.shareVision");
        System.setProperty("sinkscope.shareVision", shareVision);
        try (ModelSampleRunner runner = new ModelSampleRunner(new RunnerSpec(RunnerSpec.DEFAULT_FACTORY, model.toString(), "auto", 1, dims, tau,
                "model", 4), DeviceAssignment.cpu(1))) {
            List<Prediction> out = new ArrayList<>();
            Path images = model.resolve("images");
            String[] files;
            try (var s = java.nio.file.Files.list(images)) {
                files = s.map(p -> p.getFileName().toString()).sorted().limit(2).toArray(String[]::new);
            }
            for (String f : files) {
                SampleInput in = new SampleInput(f, null, images.resolve(f).toString(), null, "Is there a red circle in the image?", "yes", "test", null,
                        null);
                for (String c : new String[] {"baseline", "var", "ablate_sinks", "ablate_random"}) {
                    out.add(runner.predict(in, EvalConfig.parse(c), List.of(1, 2)));
                }
            }
            return out;
        } finally {
            if (before == null) {
                System.clearProperty("sinkscope.shareVision");
            } else {
                System.setProperty("sinkscope.shareVision", before);
            }
        }
    }

    @Test
    void sharedFeaturesGiveTheSamePredictions() throws Exception {
        for (Object[] c : new Object[][] {{Golden.llava(), List.of(7, 41), 4.0}, {Golden.qwen2Vl(), List.of(11, 6), 3.0}}) {
            @SuppressWarnings("unchecked")
            List<Integer> dims = (List<Integer>) c[1];
            List<Prediction> shared = run((Path) c[0], dims, (double) c[2], "true");
            List<Prediction> fresh = run((Path) c[0], dims, (double) c[2], "false");
            assertEquals(8, shared.size());
            for (int i = 0; i < shared.size(); i++) {
                assertEquals(fresh.get(i).answer(), shared.get(i).answer(), c[0] + " prediction " + i);
                assertArrayEquals(fresh.get(i).imageAttentionByLayer(), shared.get(i).imageAttentionByLayer(), c[0] + " grounding " + i);
                assertArrayEquals(fresh.get(i).attention().get(1).weights(), shared.get(i).attention().get(1).weights(), c[0] + " attention row " + i);
            }
        }
    }

    /**
     * Several questions about one image in one batch (evaluation's rows come sorted by image): the batch shares the
     * image's features and computes the prompts' common prefix once; each prediction equals the sample's alone
     * (answers; grounding within 1e-5), with and without VAR, on both families.
     */
    @Test
    void questionsAboutOneImageInOneBatch() throws Exception {
        for (Object[] c : new Object[][] {{Golden.llava(), List.of(7, 41), 4.0}, {Golden.qwen2Vl(), List.of(11, 6), 3.0}}) {
            Path model = (Path) c[0];
            @SuppressWarnings("unchecked")
            List<Integer> dims = (List<Integer>) c[1];
            try (ModelSampleRunner runner = new ModelSampleRunner(new RunnerSpec(RunnerSpec.DEFAULT_FACTORY, model.toString(), "auto", 1, dims,
                    (double) c[2], "model", 4), DeviceAssignment.cpu(1))) {
                Path images = model.resolve("images");
                String[] files;
                try (var s = java.nio.file.Files.list(images)) {
                    files = s.map(p -> p.getFileName().toString()).sorted().limit(2).toArray(String[]::new);
                }
                List<SampleInput> batch = new ArrayList<>();
                String[] questions = {"Is there a red circle in the image?", "Is there a blue square in the image?", "What colour is the largest shape?"};
                for (int i = 0; i < questions.length; i++) {
                    batch.add(new SampleInput("q" + i, null, images.resolve(files[0]).toString(), null, questions[i], "yes", "test", null, null));
                }
                batch.add(new SampleInput("q3", null, images.resolve(files[1]).toString(), null, questions[0], "yes", "test", null, null));
                for (String config : new String[] {"baseline", "var"}) {
                    List<SampleRunner.Outcome<Prediction>> together = runner.predict(batch, EvalConfig.parse(config), List.of(1));
                    for (int i = 0; i < batch.size(); i++) {
                        Prediction alone = runner.predict(batch.get(i), EvalConfig.parse(config), List.of(1));
                        Prediction p = together.get(i).valueOrThrow();
                        String at = model.getFileName() + " " + config + " sample " + i;
                        assertEquals(alone.answer(), p.answer(), at + " answer");
                        sinkscope.Allclose.assertClose(at + " grounding", p.imageAttentionByLayer(), alone.imageAttentionByLayer(), 1e-5, 1e-5);
                    }
                }
            }
        }
    }
}
