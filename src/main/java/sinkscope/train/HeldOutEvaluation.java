package sinkscope.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import sinkscope.data.PromptTemplate;
import sinkscope.model.llava.LlavaConfig;
import sinkscope.data.Question;
import sinkscope.data.SyntheticBenchmark;
import sinkscope.data.SyntheticScene;
import sinkscope.eval.MetricsTable;
import sinkscope.eval.PopeAnswer;
import sinkscope.model.GenerateOptions;
import sinkscope.model.Generation;
import sinkscope.model.clip.ClipImageProcessor;
import sinkscope.model.llava.Llava;
import sinkscope.model.llava.LlavaProcessor;

/**
 * Held-out accuracy of a saved model as a user gets it: the checkpoint loaded by {@link Llava#load}, prompts
 * through its {@code tokenizer.json}, images (rendered exactly as {@code synth} writes them) through its
 * {@code preprocessor_config.json}, greedy generation until {@code </s>} (at most 4 tokens). POPE answers are read
 * with {@link PopeAnswer#pred} (LLaVA's eval_pope.py rule) per split; open answers must equal the label
 * (case-insensitive, trimmed).
 */
public final class HeldOutEvaluation {
    /** POPE metrics per prompt template and split, open-question accuracy per template. */
    public record Result(MetricsTable pope, Map<String, double[]> open, int images, double seconds) {
        /** Accuracy of {@code template} on POPE split {@code split}. */
        public double accuracy(String template, String split) {
            return pope.get(template, split).accuracy();
        }
    }

    private HeldOutEvaluation() {}

    /**
     * Evaluates {@code model} on the eval questions of the first {@code maxImages} eval images of {@code dataset},
     * once with the bare llava_hf prompt ({@code plain}) and once with the POPE suffix ({@code pope}).
     */
    public static Result run(Llava model, LlavaProcessor processor, SyntheticBenchmark.Dataset dataset, long seed, int maxImages) {
        long t0 = System.nanoTime();
        MetricsTable table = new MetricsTable();
        Map<String, double[]> open = new TreeMap<>();
        List<SyntheticScene> evalScenes = dataset.scenes().subList(dataset.trainImages(), dataset.scenes().size());
        int images = Math.min(maxImages, evalScenes.size());
        Map<String, List<Question>> byImage = new TreeMap<>();
        for (Question q : dataset.eval()) {
            byImage.computeIfAbsent(q.image(), k -> new ArrayList<>()).add(q);
        }
        for (SyntheticScene scene : evalScenes.subList(0, images)) {
            List<Question> qs = byImage.getOrDefault(SyntheticBenchmark.imageName(scene.index()), List.of());
            try (NDManager m = model.newSampleManager()) {
                NDArray pixels = processor.pixelValues(m, scene.render(seed), ClipImageProcessor.Mode.CROP);
                for (String name : List.of("plain", "pope")) {
                    PromptTemplate t = PromptTemplate.of(LlavaConfig.LLAVA_HF).withPopeSuffix(name.equals("pope"));
                    for (Question q : qs) {
                        String answer = answer(model, processor, m, pixels, t.render(q.text()));
                        if (SyntheticBenchmark.POPE_SPLITS.contains(q.category())) {
                            table.add(name, q.category(), PopeAnswer.pred(answer), q.label());
                        } else {
                            double[] o = open.computeIfAbsent(name, k -> new double[2]);
                            o[0] += answer.strip().equalsIgnoreCase(q.label()) ? 1 : 0;
                            o[1]++;
                        }
                    }
                }
            }
        }
        return new Result(table, open, images, (System.nanoTime() - t0) / 1e9);
    }

    /** The decoded greedy answer to {@code prompt} about {@code pixels}. */
    public static String answer(Llava model, LlavaProcessor processor, NDManager m, NDArray pixels, String prompt) {
        Generation g = model.generate(m, processor.encode(prompt), pixels, new GenerateOptions(4, true, 0), null);
        return processor.decode(g.tokens()).strip();
    }

    /** A markdown table: template, split, n, accuracy, F1, yes-ratio. */
    public static String markdown(Result r) {
        StringBuilder sb = new StringBuilder("| prompt | split | questions | accuracy | F1 | yes-ratio |\n|---|---|---|---|---|---|\n");
        for (String t : List.of("plain", "pope")) {
            for (String split : SyntheticBenchmark.POPE_SPLITS) {
                var mt = r.pope().get(t, split);
                sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %.3f | %.3f |%n", t, split, mt.n(), mt.accuracy(), mt.f1(),
                        mt.yesRatio()));
            }
        }
        return sb.toString();
    }
}
