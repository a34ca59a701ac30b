package sinkscope.benchmark;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.PredictionReader.Prediction;
import sinkscope.data.Question;
import sinkscope.data.VqaReader;
import sinkscope.eval.VqaAccuracy;

/**
 * TextVQA: {@code TextVQA_0.5.1_val.json[,TextVQA_Rosetta_OCR_v0.2_val.json]} (with the OCR file the question gets
 * LLaVA-1.5's OCR-token line, {@link #withOcrTokens}), image {@code <image_id>.jpg}; scored as {@code m4c_evaluator.py}'s
 * {@code TextVQAAccuracyEvaluator}. {@code score} matches a prediction by question id, or as {@code eval_textvqa.py} does
 * LLaVA's answers: by image id (LLaVA's {@code question_id}) and the prompt's question line, lower-cased.
 */
final class TextVqa extends VqaLayout {
    TextVqa() {
        super("textvqa", VqaAccuracy.Protocol.TEXTVQA, "image_id", "TextVQA_0.5.1_val.json[,TextVQA_Rosetta_OCR_v0.2_val.json]");
    }

    @Override
    public int maxFiles() {
        return 2;
    }

    @Override
    BenchmarkRead<VqaReader.VqaQuestion> records(PublishedBenchmark.Input in) throws IOException {
        return VqaReader.textvqa(in.files().get(0));
    }

    @Override
    Map<String, List<String>> ocr(PublishedBenchmark.Input in, PublishedBenchmark.Result out) throws IOException {
        if (in.files().size() < 2) {
            return null;
        }
        BenchmarkRead<VqaReader.OcrTokens> tokens = VqaReader.textvqaOcr(in.files().get(1));
        out.errors().addAll(tokens.errors());
        Map<String, List<String>> ocr = new HashMap<>();
        for (VqaReader.OcrTokens t : tokens.items()) {
            ocr.put(t.imageId(), t.tokens());
        }
        return ocr;
    }

    @Override
    String image(VqaReader.VqaQuestion q) {
        return q.image() + ".jpg";
    }

    @Override
    String text(VqaReader.VqaQuestion q, Map<String, List<String>> ocr) {
        return ocr == null ? q.question() : withOcrTokens(q.question(), ocr.getOrDefault(q.image(), List.of()));
    }

    /**
     * A TextVQA question as LLaVA-1.5's {@code llava_textvqa_val_v051_ocr.jsonl} asks it: the first letter upper case, then
     * {@code "\nReference OCR token: "} and the image's Rosetta tokens joined by {@code ", "}; no such line when the image has
     * none ({@code eval_textvqa.py}'s prompt parser takes both forms). Reconstructed from that file's published lines (LLaVA
     * did not publish its converter).
     */
    static String withOcrTokens(String question, List<String> tokens) {
        String q = question.isEmpty() ? question : Character.toUpperCase(question.charAt(0)) + question.substring(1);
        return tokens.isEmpty() ? q : q + "\nReference OCR token: " + String.join(", ", tokens);
    }

    @Override
    public List<String> keys(Question q) {
        return List.of(q.questionId(), q.image() + "\u0000" + promptQuestion(q.text()));
    }

    @Override
    public List<String> keys(Prediction p) {
        return p.prompt() == null ? List.of(p.questionId()) : List.of(p.questionId(), p.questionId() + "\u0000" + promptQuestion(p.prompt()));
    }

    /** {@code eval_textvqa.py}'s prompt_processor, for its 2- and 3-line prompts: the question line, lower-cased. */
    private static String promptQuestion(String prompt) {
        String[] lines = prompt.split("\n", -1);
        String q = lines.length == 3 && prompt.startsWith("Reference OCR token:") ? lines[1] : lines[0];
        return q.toLowerCase(Locale.ROOT);
    }
}
