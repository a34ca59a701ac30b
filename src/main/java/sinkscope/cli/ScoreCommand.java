package sinkscope.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import sinkscope.data.BenchmarkRead;
import sinkscope.data.ChoiceReaders;
import sinkscope.data.CocoReader;
import sinkscope.data.GqaReader;
import sinkscope.data.MmbenchReader;
import sinkscope.data.MmeReader;
import sinkscope.data.PredictionReader.Prediction;
import sinkscope.data.PredictionReader;
import sinkscope.data.PublishedBenchmark;
import sinkscope.data.QuestionReader;
import sinkscope.data.ReadError;
import sinkscope.data.VqaReader;
import sinkscope.eval.Chair;
import sinkscope.eval.ChoiceAnswer;
import sinkscope.eval.CvBenchScore;
import sinkscope.eval.GqaAnswer;
import sinkscope.eval.GroupedAccuracy;
import sinkscope.eval.Metrics;
import sinkscope.eval.MmeScore;
import sinkscope.eval.PopeAnswer;
import sinkscope.eval.Significance;
import sinkscope.eval.VqaAccuracy;
import sinkscope.spark.Pipeline;

/**
 * {@code score --benchmark NAME --predictions FILE [--annotations FILE[,FILE]] [--synonyms FILE] [--resamples
 * 1000] [--seed 0]}: scores a predictions file with the benchmark's official metric, without a model, and prints
 * one {@code name: value} line per metric. Predictions: a JSONL as LLaVA writes it ({@code question_id},
 * {@code text} or {@code answer}, optional {@code prompt}, {@code round_id}, {@code config}, {@code label},
 * {@code category}), the Parquet {@code predictions} table of a run (or the run's output root), or for MME the
 * eval tool's filled-in {@code <subtask>.txt} files. With several configs each metric is printed as
 * {@code <config>.<metric>}, and each config other than {@code baseline} gets the paired comparison on the
 * questions both have: {@code vs_baseline.difference}, the seeded bootstrap interval {@code ci_low}/{@code ci_high}
 * (95%), and for right/wrong scores McNemar's exact {@code mcnemar_p}. Bad lines of any input are printed to
 * stderr (file:line: field: reason) and counted in {@code errors}; predictions that match no annotated question
 * are counted in {@code unmatched}, annotated questions without a prediction in {@code missing}; the metrics are
 * over the matched questions.
 */
public final class ScoreCommand implements Main.Command {

    static final List<String> BENCHMARKS = List.of("pope", "mme", "vqav2", "textvqa", "vizwiz", "gqa", "scienceqa",
            "mmbench", "seed", "cvbench", "mmvp", "chair");

    @Override
    public String summary() {
        return "score a predictions file with a benchmark's official metric: --benchmark " + String.join("|", BENCHMARKS)
                + " --predictions FILE [--annotations FILE[,FILE]] [--synonyms FILE]";
    }

    /** What a scorer produced for one config: metrics in print order and each matched question's score. */
    static final class Scored {
        final Map<String, Double> metrics = new LinkedHashMap<>();
        final Map<String, Double> perQuestion = new LinkedHashMap<>();
        boolean binary = true;
        long unmatched;
        long missing;

        void put(String name, double v) {
            metrics.put(name, v);
        }

        void question(String key, boolean right) {
            perQuestion.merge(key, right ? 1.0 : 0.0, Math::min);
        }

        void question(String key, double score) {
            binary = false;
            perQuestion.put(key, score);
        }
    }

    private final List<ReadError> errors = new ArrayList<>();

    @Override
    public int run(Args args) throws Exception {
        String benchmark = args.required("benchmark").toLowerCase(Locale.ROOT);
        Path predictions = sinkscope.data.Storage.path(args.required("predictions"));
        List<Path> annotations = new ArrayList<>();
        for (String a : args.string("annotations", "").split(",")) {
            if (!a.isBlank()) {
                annotations.add(sinkscope.data.Storage.path(a.trim()));
            }
        }
        Path synonyms = args.has("synonyms") ? sinkscope.data.Storage.path(args.required("synonyms")) : null;
        int resamples = args.integer("resamples", 1000);
        long seed = args.integer("seed", 0);
        String master = args.string("master", null);
        args.requireAllUsed();
        if (sinkscope.eval.TaskScore.JUDGE.equals(sinkscope.eval.TaskScore.taskOf(benchmark))) {
            throw new Args.UsageException(benchmark + " is judge-scored (a GPT judge, outside SinkScope): evaluate writes its answers as "
                    + "OUT/judge/" + benchmark + "/<config>." + (benchmark.equals("mmvet") ? "json" : "jsonl") + ", the file its judge reads");
        }
        if (!BENCHMARKS.contains(benchmark)) {
            throw new Args.UsageException("unknown --benchmark '" + benchmark + "'; known: " + BENCHMARKS);
        }
        Map<String, Scored> byConfig = score(benchmark, predictions, annotations, synonyms, master);
        for (ReadError e : errors) {
            System.err.println(e);
        }
        boolean several = byConfig.size() > 1;
        for (Map.Entry<String, Scored> c : byConfig.entrySet()) {
            String prefix = several ? c.getKey() + "." : "";
            Scored s = c.getValue();
            for (Map.Entry<String, Double> m : s.metrics.entrySet()) {
                System.out.println(prefix + m.getKey() + ": " + format(m.getValue()));
            }
            System.out.println(prefix + "unmatched: " + s.unmatched);
            System.out.println(prefix + "missing: " + s.missing);
            Scored base = byConfig.get("baseline");
            if (several && base != null && s != base) {
                compare(prefix + "vs_baseline.", base, s, resamples, seed);
            }
        }
        System.out.println("errors: " + errors.size());
        return 0;
    }

    /** Scores every config of the predictions (null config: one unnamed group). */
    Map<String, Scored> score(String benchmark, Path predictions, List<Path> annotations, Path synonyms, String master)
            throws IOException {
        Map<String, Scored> out = new TreeMap<>();
        if (benchmark.equals("mme") && isEvalToolResults(predictions)) {
            BenchmarkRead<MmeReader.MmeQuestion> r = MmeReader.read(predictions);
            errors.addAll(r.errors());
            Scored s = new Scored();
            MmeScore mme = new MmeScore();
            for (MmeReader.MmeQuestion q : r.items()) {
                if (q.prediction() == null) {
                    s.missing++;
                    continue;
                }
                s.question(q.subtask() + "/" + q.image() + "/" + q.line(), mme.add(q.subtask(), q.image(), q.answer(), q.prediction()));
            }
            mme(mme, s);
            out.put("", s);
            return out;
        }
        Map<String, List<Prediction>> configs = new TreeMap<>();
        for (Prediction p : readPredictions(predictions, master, benchmark)) {
            configs.computeIfAbsent(p.config() == null ? "" : p.config(), k -> new ArrayList<>()).add(p);
        }
        Annotations ann = new Annotations(benchmark, annotations, synonyms);
        for (Map.Entry<String, List<Prediction>> c : configs.entrySet()) {
            out.put(c.getKey(), ann.score(c.getValue()));
        }
        return out;
    }

    // ---- predictions ------------------------------------------------------------------------------

    /** A run's table holds several benchmarks: only {@code benchmark}'s rows (a table without the column: all). */
    private List<Prediction> readPredictions(Path file, String master, String benchmark) throws IOException {
        if (!Files.isDirectory(file)) {
            BenchmarkRead<Prediction> r = PredictionReader.read(file);
            errors.addAll(r.errors());
            return r.items();
        }
        Path table = Files.isDirectory(file.resolve("predictions")) ? file.resolve("predictions") : file;
        SparkSession spark = Pipeline.session("local", master == null ? "local[1]" : master, "sinkscope score");
        try {
            List<Prediction> out = new ArrayList<>();
            int n = 0;
            org.apache.spark.sql.Dataset<Row> d = spark.read().parquet(table.toString());
            if (List.of(d.columns()).contains("benchmark")) {
                d = d.where(org.apache.spark.sql.functions.col("benchmark").equalTo(benchmark));
            }
            for (Row row : d.select("question_id", "answer", "config", "category", "label").collectAsList()) {
                n++;
                // evaluate --all-rounds: round r of MMBench row i is question "i#r"
                var id = benchmark.equals("mmbench") ? PublishedBenchmark.mmbenchRound(row.getString(0))
                        : new PublishedBenchmark.MmbenchRound(row.getString(0), 0);
                out.add(new Prediction(id.index(), row.isNullAt(1) ? "" : row.getString(1), null, id.round(),
                        row.getString(2), row.getString(3), row.getString(4), n));
            }
            return out;
        } finally {
            spark.stop();
        }
    }

    private static boolean isEvalToolResults(Path p) throws IOException {
        if (p.toString().endsWith(".txt")) {
            return true;
        }
        if (!Files.isDirectory(p) || Files.isDirectory(p.resolve("predictions"))) {
            return false;
        }
        try (var s = Files.list(p)) {
            return s.anyMatch(f -> f.getFileName().toString().endsWith(".txt"));
        }
    }

    // ---- annotations and scoring ------------------------------------------------------------------

    /** The annotations of one benchmark, read once, and the scoring of one config's predictions against them. */
    private final class Annotations {
        final String benchmark;
        final Map<String, Object> byId = new LinkedHashMap<>();
        final Map<String, Object> byAltKey = new HashMap<>();
        Chair chairTemplate;
        List<String> synonymLines;
        List<CocoReader.CocoCaption> captions = List.of();
        List<CocoReader.CocoInstance> instances = List.of();

        Annotations(String benchmark, List<Path> files, Path synonyms) throws IOException {
            this.benchmark = benchmark;
            switch (benchmark) {
                case "pope" -> {
                    if (!files.isEmpty()) {
                        QuestionReader.Result r = QuestionReader.read(files.get(0));
                        for (var e : r.errors()) {
                            errors.add(new ReadError(files.get(0).toString(), e.line(), null, e.reason()));
                        }
                        r.questions().forEach(q -> byId.put(q.questionId(), q));
                    }
                }
                case "mme" -> {
                    if (!files.isEmpty()) {
                        for (MmeReader.MmeQuestion q : add(MmeReader.read(files.get(0)))) {
                            byAltKey.put(mmeKey(q.subtask(), stem(q.image()), q.question()), q);
                        }
                    }
                }
                case "vqav2" -> {
                    need(files, "the VQAv2 annotations json[,questions json]");
                    for (var q : add(VqaReader.vqav2(files.get(0), files.size() > 1 ? files.get(1) : null))) {
                        byId.put(q.questionId(), q);
                    }
                }
                case "textvqa" -> {
                    need(files, "TextVQA_0.5.1_val.json");
                    for (var q : add(VqaReader.textvqa(files.get(0)))) {
                        byId.put(q.questionId(), q);
                        byAltKey.put(q.image() + "\u0000" + q.question().toLowerCase(Locale.ROOT), q);
                    }
                }
                case "vizwiz" -> {
                    need(files, "VizWiz val.json");
                    for (var q : add(VqaReader.vizwiz(files.get(0)))) {
                        byId.put(q.questionId(), q);
                    }
                }
                case "gqa" -> {
                    need(files, "testdev_balanced_questions.json");
                    for (var q : add(GqaReader.read(files.get(0)))) {
                        byId.put(q.questionId(), q);
                    }
                }
                case "scienceqa" -> {
                    need(files, "llava_test_CQM-A.json");
                    add(ChoiceReaders.scienceQa(files.get(0))).forEach(q -> byId.put(q.id(), q));
                }
                case "seed" -> {
                    need(files, "SEED-Bench.json");
                    add(ChoiceReaders.seed(files.get(0))).forEach(q -> byId.put(q.id(), q));
                }
                case "cvbench" -> {
                    need(files, "CV-Bench test.jsonl");
                    add(ChoiceReaders.cvBench(files.get(0))).forEach(q -> byId.put(q.id(), q));
                }
                case "mmvp" -> {
                    need(files, "MMVP Questions.csv");
                    add(ChoiceReaders.mmvp(files.get(0))).forEach(q -> byId.put(q.id(), q));
                }
                case "mmbench" -> {
                    need(files, "the MMBench tsv");
                    add(MmbenchReader.read(files.get(0))).forEach(q -> byId.put(Long.toString(q.index()), q));
                }
                case "chair" -> {
                    if (files.size() < 2 || synonyms == null) {
                        throw new Args.UsageException("chair needs --annotations captions.json,instances.json and --synonyms synonyms.txt");
                    }
                    captions = add(CocoReader.captions(files.get(0)));
                    instances = add(CocoReader.instances(files.get(1)));
                    synonymLines = Files.readAllLines(synonyms, StandardCharsets.UTF_8);
                }
                default -> throw new IllegalStateException(benchmark);
            }
        }

        <T> List<T> add(BenchmarkRead<T> r) {
            errors.addAll(r.errors());
            return r.items();
        }

        void need(List<Path> files, String what) {
            if (files.isEmpty()) {
                throw new Args.UsageException(benchmark + " needs --annotations " + what);
            }
        }

        Scored score(List<Prediction> preds) {
            Scored s = new Scored();
            java.util.Set<Object> matched = new java.util.HashSet<>();
            switch (benchmark) {
                case "pope" -> {
                    Metrics m = new Metrics();
                    for (Prediction p : preds) {
                        String label = p.label();
                        if (label == null && byId.get(p.questionId()) instanceof sinkscope.data.Question q) {
                            label = q.label();
                            matched.add(q);
                        }
                        if (label == null) {
                            s.unmatched++;
                            continue;
                        }
                        String pred = PopeAnswer.pred(p.answer());
                        m.add(pred, label);
                        s.question(p.questionId(), pred.equals(label));
                    }
                    s.put("n", m.n());
                    s.put("accuracy", m.accuracy());
                    s.put("precision", m.precision());
                    s.put("recall", m.recall());
                    s.put("f1", m.f1());
                    s.put("yes_ratio", m.yesRatio());
                }
                case "mme" -> {
                    MmeScore mme = new MmeScore();
                    for (Prediction p : preds) {
                        String[] si = mmeIds(p);
                        String label = p.label();
                        if (label == null && p.prompt() != null) {
                            Object q = byAltKey.get(mmeKey(si[0], stem(si[1]), p.prompt()));
                            if (q instanceof MmeReader.MmeQuestion mq) {
                                label = mq.answer();
                                matched.add(mq);
                            }
                        }
                        if (label == null || si[1].isEmpty()) {
                            s.unmatched++;
                            continue;
                        }
                        s.question(p.questionId() + "/" + p.prompt(), mme.add(si[0], si[1], label, p.answer()));
                    }
                    mme(mme, s);
                    if (!byAltKey.isEmpty()) {
                        s.missing = byAltKey.size() - matched.size();
                    }
                    return s;
                }
                case "vqav2", "textvqa", "vizwiz" -> {
                    VqaAccuracy.Protocol protocol = VqaAccuracy.Protocol.valueOf(benchmark.toUpperCase(Locale.ROOT));
                    VqaAccuracy.Mean mean = new VqaAccuracy.Mean();
                    VqaAccuracy.Mean submitted = new VqaAccuracy.Mean();
                    for (Prediction p : preds) {
                        Object o = byId.get(p.questionId());
                        if (o == null && p.prompt() != null) {
                            o = byAltKey.get(p.questionId() + "\u0000" + textvqaQuestion(p.prompt()));
                        }
                        if (!(o instanceof VqaReader.VqaQuestion q)) {
                            s.unmatched++;
                            continue;
                        }
                        matched.add(q);
                        double acc = VqaAccuracy.score(protocol, p.answer(), q.answers());
                        mean.add(acc, q.answerType());
                        s.question(q.questionId(), acc);
                        if (protocol == VqaAccuracy.Protocol.VQAV2) {
                            // what LLaVA's convert_vqav2_for_submission.py uploads: the EvalAI-processed text
                            submitted.add(VqaAccuracy.score(protocol, sinkscope.eval.VqaNormalizer.evalAi(p.answer()), q.answers()), null);
                        }
                    }
                    s.put("n", mean.n());
                    s.put("accuracy", 100 * mean.mean());
                    mean.byType().forEach((t, v) -> s.put("accuracy." + t.replace(' ', '_'), 100 * v));
                    if (protocol == VqaAccuracy.Protocol.VQAV2) {
                        s.put("accuracy_llava_submission", 100 * submitted.mean());
                    }
                }
                case "gqa" -> {
                    GroupedAccuracy exact = new GroupedAccuracy();
                    GroupedAccuracy norm = new GroupedAccuracy();
                    for (Prediction p : preds) {
                        if (!(byId.get(p.questionId()) instanceof GqaReader.GqaQuestion q)) {
                            s.unmatched++;
                            continue;
                        }
                        matched.add(q);
                        boolean right = GqaAnswer.correct(p.answer(), q.answer());
                        exact.add(q.questionId(), q.category(), right);
                        norm.add(q.questionId(), null, GqaAnswer.correctNormalized(p.answer(), q.answer()));
                        s.question(q.questionId(), right);
                    }
                    s.put("n", exact.questions());
                    s.put("accuracy", 100 * exact.accuracy());
                    exact.accuracyByCategory().forEach((k, v) -> s.put("accuracy." + k, 100 * v));
                    s.put("accuracy_vqa_normalized", 100 * norm.accuracy());
                }
                case "scienceqa", "seed", "cvbench", "mmvp" -> {
                    GroupedAccuracy g = new GroupedAccuracy();
                    GroupedAccuracy img = new GroupedAccuracy();
                    CvBenchScore cv = new CvBenchScore();
                    for (Prediction p : preds) {
                        if (!(byId.get(p.questionId()) instanceof ChoiceReaders.ChoiceQuestion q)) {
                            s.unmatched++;
                            continue;
                        }
                        matched.add(q);
                        int idx = switch (benchmark) {
                            case "scienceqa" -> ChoiceAnswer.scienceQa(p.answer(), q.options().size());
                            case "seed" -> ChoiceAnswer.seed(p.answer(), q.options().size());
                            default -> ChoiceAnswer.letter(p.answer(), q.options());
                        };
                        boolean right = idx == q.answer();
                        g.add(q.group(), q.category(), right);
                        if (q.image() != null) {
                            img.add(q.id(), null, right);
                        }
                        if (q.split() != null) {
                            cv.add(q.split(), right);
                        }
                        s.question(q.group(), right);
                    }
                    s.put("n", g.questions());
                    switch (benchmark) {
                        case "scienceqa" -> {
                            s.put("accuracy", 100 * g.accuracy());
                            s.put("img_accuracy", 100 * img.accuracy());
                        }
                        case "seed" -> {
                            s.put("accuracy", 100 * g.accuracy());
                            cv.bySource().forEach((k, v) -> s.put("accuracy." + k, 100 * v));
                            g.accuracyByCategory().forEach((k, v) -> s.put("accuracy." + k.replace(' ', '_'), 100 * v));
                        }
                        case "cvbench" -> {
                            s.put("accuracy", 100 * cv.accuracy());
                            s.put("accuracy_2d", 100 * cv.accuracy2d());
                            s.put("accuracy_3d", 100 * cv.accuracy3d());
                            cv.bySource().forEach((k, v) -> s.put("accuracy." + k, 100 * v));
                        }
                        default -> {
                            s.put("pairs", g.groups());
                            s.put("accuracy", 100 * g.groupAccuracy());
                            s.put("question_accuracy", 100 * g.accuracy());
                        }
                    }
                }
                case "mmbench" -> {
                    GroupedAccuracy g = new GroupedAccuracy();
                    for (Prediction p : preds) {
                        if (!(byId.get(p.questionId()) instanceof MmbenchReader.MmbenchQuestion q) || q.answer() < 0) {
                            s.unmatched++;
                            continue;
                        }
                        matched.add(q);
                        int n = q.options().size();
                        // LLaVA's --all-rounds rotates the options left once per round: letter k of round r is option (k + r) % n
                        int idx = ChoiceAnswer.mmbench(p.answer(), MmbenchReader.rotated(q.options(), p.round()));
                        boolean right = idx >= 0 && (idx + p.round()) % n == q.answer();
                        String group = Long.toString(q.group());
                        g.add(group, q.category(), right);
                        s.question(group, right);
                    }
                    s.put("n", g.questions());
                    s.put("questions", g.groups());
                    s.put("accuracy", 100 * g.groupAccuracy());
                    s.put("vanilla_accuracy", 100 * g.accuracy());
                    g.groupAccuracyByCategory().forEach((k, v) -> s.put("accuracy." + k, 100 * v));
                }
                case "chair" -> {
                    Chair chair = new Chair(synonymLines);
                    sinkscope.data.PublishedBenchmark.chairGroundTruth(chair, captions, instances);
                    for (Prediction p : preds) {
                        String image = cocoImageId(p.questionId());
                        if (image == null || !chair.hasGroundTruth(image)) {
                            s.unmatched++;
                            continue;
                        }
                        Chair.Caption c = chair.add(image, p.answer());
                        s.question(image, c.hallucinated().isEmpty() ? 0.0 : 1.0);
                    }
                    s.binary = true;
                    s.put("n", chair.captions());
                    s.put("chair_s", 100 * chair.chairS());
                    s.put("chair_i", 100 * chair.chairI());
                    s.put("recall", 100 * chair.recall());
                    s.put("mean_length", chair.meanLength());
                    return s;
                }
                default -> throw new IllegalStateException(benchmark);
            }
            s.missing = Math.max(0, byId.size() - matched.size());
            return s;
        }
    }

    private static void mme(MmeScore mme, Scored s) {
        s.put("perception", mme.perception());
        s.put("cognition", mme.cognition());
        s.put("perception_subtasks", mme.perceptionSubtasks());
        s.put("cognition_subtasks", mme.cognitionSubtasks());
        for (MmeScore.Subtask t : mme.subtasks().values()) {
            s.put(t.name() + ".score", t.score());
            s.put(t.name() + ".acc", 100 * t.acc());
            s.put(t.name() + ".acc_plus", 100 * t.accPlus());
        }
        s.put("images_without_pair", mme.imagesWithoutPair());
    }

    /** {@code subtask/image[#n]} (category wins for the subtask when set). */
    private static String[] mmeIds(Prediction p) {
        String id = p.questionId();
        int slash = id.indexOf('/');
        String subtask = p.category() != null ? p.category() : slash > 0 ? id.substring(0, slash) : "";
        String image = slash >= 0 ? id.substring(slash + 1) : id;
        int hash = image.lastIndexOf('#');
        return new String[] {subtask, hash >= 0 ? image.substring(0, hash) : image};
    }

    private static final Pattern WS = Pattern.compile("\\s+");

    /** LLaVA's MME join key: subtask, image stem, question without the answer-format suffixes. */
    private static String mmeKey(String subtask, String imageStem, String question) {
        String q = question.replace("Answer the question using a single word or phrase.", "")
                .replace("Please answer yes or no.", "");
        return subtask + "\u0000" + imageStem + "\u0000" + WS.matcher(q).replaceAll(" ").trim();
    }

    private static String stem(String image) {
        int slash = image.lastIndexOf('/');
        String name = slash >= 0 ? image.substring(slash + 1) : image;
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** LLaVA's eval_textvqa.py prompt_processor, for its 2- and 3-line prompts: the question line, lower-cased. */
    private static String textvqaQuestion(String prompt) {
        String[] lines = prompt.split("\n", -1);
        String q = lines.length == 3 && prompt.startsWith("Reference OCR token:") ? lines[1] : lines[0];
        return q.toLowerCase(Locale.ROOT);
    }

    private static final Pattern DIGITS = Pattern.compile("(\\d+)(?!.*\\d)");

    /** A COCO image id from an id or a file name ({@code COCO_val2014_000000391895.jpg} is {@code 391895}). */
    static String cocoImageId(String id) {
        Matcher m = DIGITS.matcher(id);
        if (!m.find()) {
            return null;
        }
        String d = m.group(1).replaceFirst("^0+(?=\\d)", "");
        return d;
    }

    private static void compare(String prefix, Scored base, Scored conf, int resamples, long seed) {
        List<String> keys = new ArrayList<>();
        for (String k : conf.perQuestion.keySet()) {
            if (base.perQuestion.containsKey(k)) {
                keys.add(k);
            }
        }
        double[] b = new double[keys.size()];
        double[] c = new double[keys.size()];
        boolean[] bb = new boolean[keys.size()];
        boolean[] cb = new boolean[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            b[i] = base.perQuestion.get(keys.get(i));
            c[i] = conf.perQuestion.get(keys.get(i));
            bb[i] = b[i] == 1.0;
            cb[i] = c[i] == 1.0;
        }
        Significance.Interval iv = Significance.bootstrap(b, c, resamples, seed, 0.95);
        System.out.println(prefix + "paired: " + keys.size());
        System.out.println(prefix + "difference: " + format(iv.difference()));
        System.out.println(prefix + "ci_low: " + format(iv.lower()));
        System.out.println(prefix + "ci_high: " + format(iv.upper()));
        if (base.binary && conf.binary) {
            Significance.McNemar m = Significance.mcnemar(bb, cb);
            System.out.println(prefix + "baseline_only: " + m.baselineOnly());
            System.out.println(prefix + "config_only: " + m.configOnly());
            System.out.println(prefix + "mcnemar_p: " + format(m.p()));
        }
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
