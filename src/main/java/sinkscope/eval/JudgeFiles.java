package sinkscope.eval;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The answers of a judge-scored benchmark in the file its judge reads, byte for byte as LLaVA-1.5's scripts write
 * them (Python's {@code json.dumps}, ASCII-escaped):
 * <ul>
 *   <li>MM-Vet ({@link #mmVet}): what {@code convert_mmvet_for_eval.py} writes for {@code mm-vet_evaluator}, one JSON
 *       object {@code {"v1_<id>": answer, ...}} with an indent of 2, every question of the run in question order (one
 *       whose generation failed has the answer {@code ""}, so the judge sees every id).</li>
 *   <li>LLaVA-Bench in the wild and any other judge benchmark ({@link #modelVqa}): {@code model_vqa.py}'s answer
 *       JSONL for {@code eval_gpt_review_bench.py}, one line per question in question order, {@code {"question_id",
 *       "prompt", "text", "answer_id", "model_id", "metadata": {}}}; the question id is a JSON number where it is
 *       one (the judge compares it with the question file's), the answer id a 22-character id derived from the
 *       config and the question (shortuuid's alphabet; {@code model_vqa.py} draws it at random) so that a re-run
 *       writes the same file.</li>
 * </ul>
 */
public final class JudgeFiles {

    /** One question's answer; {@code text} is {@code ""} when its generation failed. */
    public record Answer(String questionId, String prompt, String text) {}

    private static final String SHORTUUID = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    private JudgeFiles() {}

    /** The file name of a config's answers: {@code <config>.json} for MM-Vet, {@code <config>.jsonl} otherwise. */
    public static String fileName(String benchmark, String config) {
        return config + ("mmvet".equals(benchmark) ? ".json" : ".jsonl");
    }

    /** The file's text for {@code benchmark}. */
    public static String render(String benchmark, List<Answer> answers, String modelId, String config) {
        return "mmvet".equals(benchmark) ? mmVet(answers) : modelVqa(answers, modelId, config);
    }

    /** {@code json.dump({"v1_<id>": text, ...}, f, indent=2)}; an id that already starts with {@code v1_} is kept. */
    public static String mmVet(List<Answer> answers) {
        if (answers.isEmpty()) {
            return "{}";
        }
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < answers.size(); i++) {
            Answer a = answers.get(i);
            String key = a.questionId().startsWith("v1_") ? a.questionId() : "v1_" + a.questionId();
            b.append(i == 0 ? "\n  " : ",\n  ").append(quote(key)).append(": ").append(quote(a.text()));
        }
        return b.append("\n}").toString();
    }

    /** One {@code json.dumps(...) + "\n"} line per answer, as {@code model_vqa.py} writes them. */
    public static String modelVqa(List<Answer> answers, String modelId, String config) {
        StringBuilder b = new StringBuilder();
        for (Answer a : answers) {
            String id = a.questionId().matches("-?(0|[1-9][0-9]*)") ? a.questionId() : quote(a.questionId());
            b.append("{\"question_id\": ").append(id)
                    .append(", \"prompt\": ").append(quote(a.prompt()))
                    .append(", \"text\": ").append(quote(a.text()))
                    .append(", \"answer_id\": ").append(quote(answerId(config, a.questionId())))
                    .append(", \"model_id\": ").append(quote(modelId))
                    .append(", \"metadata\": {}}\n");
        }
        return b.toString();
    }

    /** 22 characters of shortuuid's alphabet from SHA-256 of {@code config + "/" + questionId}. */
    static String answerId(String config, String questionId) {
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-256").digest((config + "/" + questionId).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        java.math.BigInteger n = new java.math.BigInteger(1, h);
        java.math.BigInteger base = java.math.BigInteger.valueOf(SHORTUUID.length());
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < 22; i++) {
            java.math.BigInteger[] qr = n.divideAndRemainder(base);
            id.append(SHORTUUID.charAt(qr[1].intValue()));
            n = qr[0];
        }
        return id.toString();
    }

    /** A JSON string as Python's {@code json.dumps} writes it with {@code ensure_ascii=True}. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
