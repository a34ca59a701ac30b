package sinkscope.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The VQA accuracy of one answer against its (usually ten) human answers, and its mean over questions, overall and
 * per answer type. For human answers {@code g_1..g_n} and the normalized prediction {@code r}:
 * <pre>
 *   acc(r) = (1/n) * sum_i min(1, #{ j != i : g_j == r } / 3)
 * </pre>
 * (the mean over the n leave-one-out subsets of n-1 answers of min(1, matches/3)); the reported accuracy is the mean
 * of acc over questions, and {@link Mean} keeps it per answer type ({@code yes/no}, {@code number}, {@code other},
 * and VizWiz's {@code unanswerable}). The protocols differ only in which strings are normalized, each as its own
 * official evaluation does:
 * <ul>
 *   <li>{@link Protocol#VQAV2} ({@code vqaEval.py}, GT-Vision-Lab/VQA): prediction and human answers are cleaned
 *       (newlines and tabs to spaces, trimmed); only when the cleaned human answers are not all the same string
 *       are all of them and the prediction normalized with {@link VqaNormalizer#normalize}. (So against ten
 *       identical answers "two" the prediction "2" scores 0: the script's own behaviour.)</li>
 *   <li>{@link Protocol#TEXTVQA} (LLaVA's {@code eval_textvqa.py} with MMF's {@code TextVQAAccuracyEvaluator}):
 *       prediction and every human answer go through {@link VqaNormalizer#evalAi}, always.</li>
 *   <li>{@link Protocol#VIZWIZ} (VizWiz's {@code vqaEval.py} on the answers LLaVA's
 *       {@code convert_vizwiz_for_submission.py} uploads): the prediction is {@link VqaNormalizer#evalAi}'d by the
 *       converter, then cleaned and normalized by the server; the human answers are compared as they are in the
 *       annotation file. "unanswerable" is an ordinary answer string; the questions whose {@code answer_type} is
 *       {@code unanswerable} form their own split. (VizWiz's answerability average precision / F1 need a
 *       predicted answerability score, which a generated answer does not have; they are not computed.)</li>
 * </ul>
 */
public final class VqaAccuracy {

    /** Which official evaluation to follow. */
    public enum Protocol { VQAV2, TEXTVQA, VIZWIZ }

    private VqaAccuracy() {}

    /** acc of one prediction against its human answers, in [0, 1]. */
    public static double score(Protocol protocol, String prediction, List<String> answers) {
        if (answers.isEmpty()) {
            throw new IllegalArgumentException("no human answers");
        }
        String pred = prediction == null ? "" : prediction;
        List<String> gts = new ArrayList<>(answers.size());
        switch (protocol) {
            case VQAV2 -> {
                for (String a : answers) {
                    gts.add(VqaNormalizer.clean(a));
                }
                pred = VqaNormalizer.clean(pred);
                if (new HashSet<>(gts).size() > 1) {
                    gts.replaceAll(a -> VqaNormalizer.processDigitArticle(VqaNormalizer.processPunctuation(a)));
                    pred = VqaNormalizer.processDigitArticle(VqaNormalizer.processPunctuation(pred));
                }
            }
            case TEXTVQA -> {
                for (String a : answers) {
                    gts.add(VqaNormalizer.evalAi(a));
                }
                pred = VqaNormalizer.evalAi(pred);
            }
            case VIZWIZ -> {
                gts.addAll(answers);
                pred = VqaNormalizer.normalize(VqaNormalizer.evalAi(pred));
            }
            default -> throw new IllegalStateException();
        }
        int n = gts.size();
        int matches = 0;
        for (String g : gts) {
            if (g.equals(pred)) {
                matches++;
            }
        }
        // leaving out answer i: the others match (matches - [g_i == r]) times
        double sum = 0;
        for (String g : gts) {
            int others = matches - (g.equals(pred) ? 1 : 0);
            sum += Math.min(1.0, others / 3.0);
        }
        return sum / n;
    }

    /** Mean accuracy overall and per answer type (or any category); NaN when empty. */
    public static final class Mean {
        private double sum;
        private long n;
        private final Map<String, double[]> byType = new TreeMap<>();

        public Mean add(double acc, String answerType) {
            sum += acc;
            n++;
            if (answerType != null) {
                double[] c = byType.computeIfAbsent(answerType, k -> new double[2]);
                c[0] += acc;
                c[1]++;
            }
            return this;
        }

        public long n() {
            return n;
        }

        public double mean() {
            return n == 0 ? Double.NaN : sum / n;
        }

        /** Mean per answer type, sorted by type. */
        public Map<String, Double> byType() {
            Map<String, Double> m = new TreeMap<>();
            byType.forEach((k, c) -> m.put(k, c[0] / c[1]));
            return m;
        }

        public Map<String, Long> countByType() {
            Map<String, Long> m = new TreeMap<>();
            byType.forEach((k, c) -> m.put(k, (long) c[1]));
            return m;
        }
    }
}
