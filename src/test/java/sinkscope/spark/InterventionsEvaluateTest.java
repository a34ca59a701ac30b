package sinkscope.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import sinkscope.Golden;
import sinkscope.cli.SparkFlags;
import sinkscope.data.ImageDecoder;
import sinkscope.data.PromptTemplate;
import sinkscope.intervention.Context;
import sinkscope.model.BundledModel;
import sinkscope.model.Contrast;
import sinkscope.model.GenerateOptions;
import sinkscope.model.ImageOptions;
import sinkscope.model.Inputs;
import sinkscope.model.Lmm;
import sinkscope.model.auto.Families;
import sinkscope.model.decoding.Decoding;
import sinkscope.model.decoding.Draws;
import sinkscope.model.decoding.Vcd;

/**
 * {@code evaluate --configs baseline,var,pai,vcd,vaf} through the job, batched ({@code --batch-size 3}), on the
 * embedded default model and on the golden qwen2-vl-tiny-a checkpoint: a prediction for every (question, config) and
 * no error row; a rerun into another output root gives the same answers (VCD samples from the per-(sample, config)
 * seed); and each VCD answer is what {@link Contrast#vcd} with {@link Vcd}'s POPE settings gives when run directly on
 * the model with the seed {@link Context#seed} derives (noise from its complement, sampling from it), while on the
 * tiny checkpoint another run seed draws other answers.
 */
class InterventionsEvaluateTest {
    private static final List<String> CONFIGS = List.of("baseline", "var", "pai", "vcd", "vaf");
    private static final String[] QUESTIONS = {"Is there a red circle in the image?", "Is there a cat?", "Is there a square?"};
    private static final long SEED = 7;
    private static final int TOKENS = 4;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"embedded", "qwen2-vl-tiny-a"})
    void everyMethodAnswersEveryQuestionReproduciblyAndVcdAsTheModelDirectly(String which, @TempDir Path tmp) throws Exception {
        ExecutorModels.closeAll();
        Path images = Golden.qwen2Vl().resolve("images");
        List<String> files;
        try (var s = Files.list(images)) {
            files = s.map(p -> p.getFileName().toString()).sorted().limit(QUESTIONS.length).toList();
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < QUESTIONS.length; i++) {
            lines.add("{\"question_id\": \"q" + i + "\", \"image\": \"" + files.get(i) + "\", \"text\": \"" + QUESTIONS[i] + "\", \"label\": \""
                    + (i % 2 == 0 ? "yes" : "no") + "\", \"category\": \"random\"}");
        }
        Path questions = Files.write(tmp.resolve("questions.jsonl"), lines, StandardCharsets.UTF_8);
        List<String> common = new ArrayList<>(List.of("--questions", questions.toString(), "--images", images.toString(), "--configs",
                String.join(",", CONFIGS), "--master", "local[1]", "--max-new-tokens", String.valueOf(TOKENS), "--prompt-suffix", "none",
                "--batch-size", "3", "--seed", String.valueOf(SEED), "--resamples", "20"));
        if (!which.equals("embedded")) {
            common.addAll(List.of("--model", Golden.qwen2Vl().toString(), "--sink-dims", "11,6", "--tau", "3"));
        }
        Map<String, String> first = evaluate(common, tmp.resolve("out1"));
        Map<String, String> again = evaluate(common, tmp.resolve("out2"));
        assertEquals(QUESTIONS.length * CONFIGS.size(), first.size(), which + ": a prediction per (question, config): " + first.keySet());
        assertEquals(first, again, which + ": a rerun gives the same answers");

        Path dir = which.equals("embedded") ? BundledModel.path() : Golden.qwen2Vl();
        try (Lmm model = Families.load(dir, Device.cpu(), DataType.FLOAT32); NDManager m = model.newSampleManager()) {
            PromptTemplate template = PromptTemplate.of(model.defaultTemplate(), sinkscope.model.auto.Families.templates());
            int otherSeedDiffers = 0;
            for (int i = 0; i < QUESTIONS.length; i++) {
                Inputs in = model.encode(m, template.render(QUESTIONS[i]), new ImageDecoder().decode(images.resolve(files.get(i))), ImageOptions.DEFAULT);
                assertEquals(vcd(model, m, in, Context.seed(SEED, "q" + i, "vcd")), first.get("q" + i + " vcd"),
                        which + " q" + i + ": the job's VCD answer is the model's");
                otherSeedDiffers += vcd(model, m, in, Context.seed(SEED + 1, "q" + i, "vcd")).equals(first.get("q" + i + " vcd")) ? 0 : 1;
            }
            if (!which.equals("embedded")) { // the trained embedded model answers these near-deterministically; the tiny one does not
                assertTrue(otherSeedDiffers > 0, which + ": another run seed draws other answers (the check above can fail)");
            }
        }
        SparkSession.active().stop();
        ExecutorModels.closeAll();
    }

    /** VCD's answer as its POPE settings give it on {@code in} for a sample of seed {@code seed}: noise from {@code ~seed}, sampling from {@code seed}. */
    private static String vcd(Lmm model, NDManager m, Inputs in, long seed) {
        Contrast contrast = Contrast.vcd(m, in, Vcd.OFFICIAL, Vcd.NOISE_STEP, Draws.seeded(~seed));
        Decoding sampling = Decoding.sample(1, 0, 1, seed);
        return model.decodeText(model.generate(m, in, null, new GenerateOptions(TOKENS, true, 0, false, sampling), null, contrast).tokens()).strip();
    }

    /** Runs evaluate into {@code out}; the answers by "question config". */
    private static Map<String, String> evaluate(List<String> common, Path out) throws Exception {
        List<String> args = new ArrayList<>(common);
        args.addAll(List.of("--out", out.toString()));
        SparkFlags flags = SparkFlags.parse(args.toArray(String[]::new));
        Pipeline.Settings settings = flags.settings(true);
        SparkSession spark = flags.session("evaluate");
        var source = Pipeline.source(spark, settings);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertTrue(Pipeline.evaluate(spark, settings, source, new PrintStream(log, true, StandardCharsets.UTF_8)).balanced(), log.toString(StandardCharsets.UTF_8));
        if (Files.exists(out.resolve("errors"))) {
            assertEquals(0, spark.read().parquet(out.resolve("errors").toString()).count(), "no error rows");
        }
        Map<String, String> answers = new TreeMap<>();
        for (Row r : spark.read().parquet(out.resolve("predictions").toString()).select("question_id", "config", "answer").collectAsList()) {
            answers.put(r.getString(0) + " " + r.getString(1), r.getString(2));
        }
        return answers;
    }
}
