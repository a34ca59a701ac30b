package sinkscope.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sinkscope.data.PredictionReader;

/**
 * {@code score}'s scoring ({@link ScoreRun}) on the benchmarks' official input files, against the numbers the official
 * scripts print on the same files (under {@code src/test/resources/oracle/}). The scripts were run as oracles, outside this
 * repository and never shipped, with python 3.11; each test names the script, where it comes from and the command. The
 * scripts print percentages; SinkScope's metrics are fractions (docs/benchmarks-registry.md), so 73.333333% is 0.73333333.
 */
class OfficialScriptsTest {
    @TempDir
    Path dir;

    private static Path oracle(String name) throws URISyntaxException {
        return Path.of(OfficialScriptsTest.class.getResource("/oracle/" + name).toURI());
    }

    /** Scores a predictions file (one config) and returns score's {@code name: value} entries. */
    private static Map<String, Double> score(String benchmark, Path predictions, String split, Path... annotations) throws IOException {
        ScoreRun run = new ScoreRun(benchmark, List.of(annotations), null, split);
        Map<String, ScoreRun.Scored> out = run.answered(predictions);
        if (out == null) {
            out = run.score(run.predictions(PredictionReader.read(predictions), predictions));
        }
        assertEquals(List.of(), run.errors());
        assertEquals(1, out.size());
        return ScoreRun.named(out.get("").scores());
    }

    /**
     * GT-Vision-Lab/VQA {@code PythonEvaluationTools/vqaEvaluation/vqaEval.py} with {@code PythonHelperTools/vqaTools/vqa.py}
     * (Python 2; run after {@code expand -t 4} and {@code 2to3}): {@code vqa = VQA(ann, ques); res = vqa.loadRes(results, ques);
     * e = VQAEval(vqa, res, n=6); e.evaluate()} on {@code oracle/vqav2/{annotations,questions,results}.json} printed overall
     * 73.333333, per answer type yes/no 0.0, number 95.0, other 83.333333; per question 0, 90, 100, 90, 100, 60.
     */
    @Test
    void vqav2ResultsArrayAsVqaEvalScoresIt() throws Exception {
        Path d = oracle("vqav2");
        Map<String, Double> m = score("vqav2", d.resolve("results.json"), null, d.resolve("annotations.json"), d.resolve("questions.json"));
        assertEquals(0.73333333, m.get("vqa_accuracy"), 1e-8);
        assertEquals(0.0, m.get("yes/no.vqa_accuracy"), 1e-12);
        assertEquals(0.95, m.get("number.vqa_accuracy"), 1e-12);
        assertEquals(0.83333333, m.get("other.vqa_accuracy"), 1e-8);
        assertEquals(6.0, m.get("n"));
        // the same scores with the annotations alone (score needs no question texts)
        assertEquals(0.73333333, score("vqav2", d.resolve("results.json"), null, d.resolve("annotations.json")).get("vqa_accuracy"), 1e-8);
    }

    /**
     * haotian-liu/LLaVA {@code llava/eval/m4c_evaluator.py}, {@code TextVQAAccuracyEvaluator().eval_pred_list(preds)} with
     * {@code preds = [{"pred_answer": r["answer"], "gt_answers": ann[r["question_id"]]["answers"]}]} over
     * {@code oracle/textvqa/results.json} joined to {@code TextVQA_0.5.1_val.json} by question id (the pairing
     * {@code eval_textvqa.py} makes; a tqdm stand-in on the path): printed 0.72 (per question 1.0, 0.0, 1.0, 0.6, 1.0).
     */
    @Test
    void textvqaResultsArrayAsM4cEvaluatorScoresIt() throws Exception {
        Path d = oracle("textvqa");
        Map<String, Double> m = score("textvqa", d.resolve("results.json"), null, d.resolve("TextVQA_0.5.1_val.json"));
        assertEquals(0.72, m.get("vqa_accuracy"), 1e-12);
        assertEquals(5.0, m.get("n"));
    }

    /**
     * haotian-liu/LLaVA {@code llava/eval/eval_science_qa.py --base-dir oracle/scienceqa --result-file answers.jsonl
     * --output-file out.json --output-result res.json} (split test by default) printed {@code Total: 6, Correct: 3,
     * Accuracy: 50.00%, IMG-Accuracy: 66.67%}: problem 16 has no answer and counts as FAILED; problem 21 is in val.
     */
    @Test
    void scienceqaBaseFolderAsEvalScienceQaScoresIt() throws Exception {
        Path d = oracle("scienceqa");
        Map<String, Double> m = score("scienceqa", d.resolve("answers.jsonl"), "test", d);
        assertEquals(0.5, m.get("accuracy"), 1e-12);
        assertEquals(2.0 / 3, m.get("img_accuracy"), 1e-12);
        assertEquals(6.0, m.get("n"));
        // the val split holds problem 21 only, which no answer answers: scored FAILED
        assertEquals(0.0, score("scienceqa", d.resolve("answers.jsonl"), "val", d).get("accuracy"), 1e-12);
    }

    /**
     * MME's eval tool ({@code tools/eval_tool.zip} of BradyFU/Awesome-Multimodal-Large-Language-Models, branch Evaluation):
     * {@code python calculation.py --results_dir oracle/mme/eval_tool/Your_Results} (scikit-learn 1.9) printed perception
     * total 1375.0 (existence 200, count 125, position 50, color 50, posters 125, celebrity 150, scene 200, landmark 125,
     * artwork 150, OCR 200) and cognition total 400.0 (commonsense_reasoning 50, numerical_calculation 99.99999999999999,
     * text_translation 50, code_reasoning 200). Given the folder above {@code eval_tool/}, as the tool is unpacked.
     */
    @Test
    void mmeEvalToolFolderAsCalculationPyScoresIt() throws Exception {
        Map<String, Double> m = score("mme", oracle("mme"), null);
        assertEquals(1375.0, m.get("perception"), 1e-9);
        assertEquals(400.0, m.get("cognition"), 1e-9);
        Map<String, Double> expected = Map.ofEntries(Map.entry("existence", 200.0), Map.entry("count", 125.0), Map.entry("position", 50.0),
                Map.entry("color", 50.0), Map.entry("posters", 125.0), Map.entry("celebrity", 150.0), Map.entry("scene", 200.0),
                Map.entry("landmark", 125.0), Map.entry("artwork", 150.0), Map.entry("OCR", 200.0), Map.entry("commonsense_reasoning", 50.0),
                Map.entry("numerical_calculation", 100.0), Map.entry("text_translation", 50.0), Map.entry("code_reasoning", 200.0));
        expected.forEach((t, v) -> assertEquals(v, m.get(t + ".score"), 1e-9, t));
    }

    /**
     * haotian-liu/LLaVA {@code llava/eval/eval_pope.py --annotation-dir oracle/pope/coco --question-file llava_pope_test.jsonl
     * --result-file answers.jsonl} printed, category adversarial: accuracy, precision, recall, F1 and yes ratio all 0.5;
     * category random: accuracy, precision, recall, F1 0.6666666666666666, yes ratio 0.5.
     */
    @Test
    void popeLabelFolderAsEvalPopeScoresIt() throws Exception {
        Path d = oracle("pope");
        Map<String, Double> m = score("pope", d.resolve("answers.jsonl"), null, d.resolve("llava_pope_test.jsonl"), d.resolve("coco"));
        for (String k : List.of("accuracy", "precision", "recall", "f1", "yes_ratio")) {
            assertEquals(0.5, m.get("adversarial." + k), 1e-12, k);
            assertEquals(k.equals("yes_ratio") ? 0.5 : 2.0 / 3, m.get("random." + k), 1e-12, k);
        }
    }

    /**
     * GQA's {@code eval.py} (the copy LLaVA's scripts call, e.g. SHI-Labs/VCoder {@code playground/data/eval/gqa/data/eval/eval.py};
     * a tqdm stand-in on the path): {@code python eval.py --tier testdev_balanced --questions testdev_balanced_questions.json
     * --predictions testdev_balanced_predictions.json} printed Binary 75.00%, Open 50.00%, Accuracy 66.67%, per structural
     * type choose 100.00% (2), compare 100.00% (1), query 50.00% (2), verify 0.00% (1); question 207 is not balanced and
     * not scored.
     */
    @Test
    void gqaPredictionsAsEvalPyScoresThem() throws Exception {
        Path d = oracle("gqa");
        Map<String, Double> m = score("gqa", d.resolve("testdev_balanced_predictions.json"), null, d.resolve("testdev_balanced_questions.json"));
        assertEquals(4.0 / 6, m.get("accuracy"), 1e-12);
        assertEquals(0.75, m.get("binary"), 1e-12);
        assertEquals(0.5, m.get("open"), 1e-12);
        assertEquals(1.0, m.get("choose.accuracy"), 1e-12);
        assertEquals(1.0, m.get("compare.accuracy"), 1e-12);
        assertEquals(0.5, m.get("query.accuracy"), 1e-12);
        assertEquals(0.0, m.get("verify.accuracy"), 1e-12);
        assertEquals(6.0, m.get("n"));
    }

    /**
     * VizWiz's VQA API {@code vqaEval.py} (Qing Li; from the "Annotations and APIs" download of vizwiz.org's VQA task;
     * its {@code VQA} loader replaced by a stand-in keying the records by {@code image}, the caption metrics that run
     * after the accuracy stubbed): {@code VQAEval(VQA(val.json), VQA(results.json), n=2).evaluate()} printed overall 74.29,
     * per answer type other 73.33, number 50.0, yes/no 100.0, unanswerable 100.0; per question 100, 100, 100, 100, 90, 0,
     * 30 (the script rounds to 2 decimals; the values below are the per-question ones averaged). {@code results.json} is
     * what haotian-liu/LLaVA {@code scripts/convert_vizwiz_for_submission.py} wrote from LLaVA answers such as
     * "The Coca-Cola can.", "Two." and "$1,000 dollars": the human answers are not normalized, so "two" never matches "2".
     */
    @Test
    void vizwizUploadAsVqaEvalScoresIt() throws Exception {
        Path d = oracle("vizwiz");
        Map<String, Double> m = score("vizwiz", d.resolve("results.json"), null, d.resolve("val.json"));
        assertEquals(5.2 / 7, m.get("vqa_accuracy"), 1e-12);
        assertEquals(0.7429, m.get("vqa_accuracy"), 0.5e-4, "the script's rounded 74.29");
        assertEquals(2.2 / 3, m.get("other.vqa_accuracy"), 1e-12);
        assertEquals(0.5, m.get("number.vqa_accuracy"), 1e-12);
        assertEquals(1.0, m.get("yes/no.vqa_accuracy"), 1e-12);
        assertEquals(1.0, m.get("unanswerable.vqa_accuracy"), 1e-12);
        assertEquals(7.0, m.get("n"));
    }

    /** A predictions file in no format score reads is an error naming the formats; so are annotations in another layout. */
    @Test
    void unreadableFormatsNameWhatScoreReads() throws Exception {
        Path bad = Files.writeString(dir.resolve("preds.json"), "{\"results\": {\n\"1\": \"yes\"\n}}\n");
        ScoreRun run = new ScoreRun("vqav2", List.of(oracle("vqav2").resolve("annotations.json")), null, null);
        String e = assertThrows(IllegalArgumentException.class, () -> run.predictions(PredictionReader.read(bad), bad)).getMessage();
        assertTrue(e.contains("cannot read " + bad) && e.contains("results JSON array") && e.contains("answers JSONL"), e);
        String a = assertThrows(IllegalArgumentException.class, () -> new ScoreRun("gqa", List.of(oracle("vqav2").resolve("results.json")), null, null))
                .getMessage();
        assertTrue(a.contains("testdev_balanced_questions.json"), a);
    }
}
